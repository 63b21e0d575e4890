"""The claims desk's models, one module per topic; import them from `disputes.models`."""

from .alerts import (  # noqa: F401
    Alert,
    AlertThreshold,
    Digest,
    Notification,
    threshold_hours,
    threshold_label,
    warn_threshold,
)
from .automation import (  # noqa: F401
    Rule,
    RuleFailure,
    RuleRetry,
    Tag,
    TagColour,
    Trigger,
)
from .availability import (  # noqa: F401
    TeamHoliday,
    TimeOff,
    WorkSchedule,
)
from .chat import (  # noqa: F401
    SIGNING_PLATFORMS,
    ChatDelivery,
    ChatDestination,
    ChatPlatform,
)
from .claims import (  # noqa: F401
    Choice,
    Claim,
    ClaimAlertSchedule,
    ClaimEvent,
    ClaimStatus,
    Outcome,
    Priority,
    Reason,
    TimelineEntry,
    response_due_state,
)
from .due import (  # noqa: F401
    DueState,
    Urgency,
    end_of_local_day,
)
from .figures import (  # noqa: F401
    DEFECT_KIND_COLUMNS,
    PENDING_COLUMNS,
    AgentDayTally,
    OpenClaimCount,
    SkuWinTally,
    StoreHour,
    WinTally,
)
from .imports import (  # noqa: F401
    ImportJob,
    ImportSource,
    ImportStatus,
)
from .orders import (  # noqa: F401
    CANCELLED_ITEM_STATUSES,
    Buyer,
    FulfilmentChannel,
    Order,
    OrderImport,
    OrderLine,
    Product,
    Shipment,
    TrackingEvent,
    charges_of,
)
from .postmortems import (  # noqa: F401
    ImprovementAction,
    PostMortem,
    RootCause,
)
from .presence import ClaimPresence  # noqa: F401
from .rules import (  # noqa: F401
    DEFAULT_WARNING_HOURS,
    MAX_WARNING_HOURS,
    ClaimKind,
    DeadlineKind,
    DeadlineRule,
    DeadlineStart,
    DeadlineUnit,
    is_warning_hour,
    warning_hours,
    warnings_or_default,
)
from .setaside import (  # noqa: F401
    SetAside,
    SetAsideKind,
)
from .stores import (  # noqa: F401
    DEFAULT_HOLIDAY_SUBDIVISIONS,
    BeatSilence,
    Membership,
    Platform,
    Profile,
    Role,
    SavedView,
    Store,
    WorkerHeartbeat,
    time_zone_choices,
)
