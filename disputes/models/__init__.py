"""The claims desk's models, one module per topic; import them from `disputes.models`."""

from .alerts import (  # noqa: F401
    Alert,
    AlertThreshold,
    Notification,
    threshold_label,
    warn_threshold,
    warning_hours,
)
from .appeals import (  # noqa: F401
    Appeal,
    AppealDecision,
    AppealEvidence,
    AppealKind,
    AppealVersion,
    Funding,
)
from .claims import (  # noqa: F401
    OPEN_STATUSES,
    Claim,
    ClaimEvent,
    ClaimStatus,
    Outcome,
    Priority,
    Reason,
    TimelineEntry,
)
from .orders import (  # noqa: F401
    Buyer,
    FulfilmentChannel,
    Order,
    OrderImport,
    OrderLine,
    Shipment,
    TrackingEvent,
)
from .postmortems import (  # noqa: F401
    ImprovementAction,
    PostMortem,
    RootCause,
)
from .rules import (  # noqa: F401
    MAX_WARNING_HOURS,
    ClaimKind,
    DeadlineKind,
    DeadlineRule,
    DeadlineStart,
    DeadlineUnit,
    is_warning_hour,
)
from .setaside import (  # noqa: F401
    SetAside,
    SetAsideKind,
)
from .stores import (  # noqa: F401
    DEFAULT_HOLIDAY_SUBDIVISIONS,
    Membership,
    Platform,
    Profile,
    Role,
    Store,
    WorkerHeartbeat,
    time_zone_choices,
)
