"""Reads the pages share, already scoped to the user's stores and shaped for a fixed number
of queries; one module per topic, all importable from `disputes.selectors`."""

from .agents import (  # noqa: F401
    FIGURES_DAYS,
    AgentClaims,
    MyBoard,
    StoreTrend,
    TrendPoint,
    agent_claim_figures,
    my_board,
    store_trends,
)
from .claims import (  # noqa: F401
    BuyerHistory,
    buyer_history,
)
from .dashboard import (  # noqa: F401
    AgentLoad,
    Dashboard,
    StoreDays,
    Week,
    dashboard,
    week_starts,
)
from .forecast import (  # noqa: F401
    ClaimAtStake,
    ForecastDay,
    OdrForecast,
    odr_forecast,
    odr_forecasts,
)
from .learning import (  # noqa: F401
    ActionEffect,
    action_effects,
)
from .odr import (  # noqa: F401
    DefectRate,
    defect_rates,
    order_defect_rate,
)
from .orders import (  # noqa: F401
    OrderPage,
    order_page,
)
from .postmortems import (  # noqa: F401
    REPORT_GROUPS,
    CauseRow,
    PostMortemReport,
    open_actions,
    post_mortem_report,
    post_mortems_for,
)
from .queue import (  # noqa: F401
    MAX_CURSOR_CHARS,
    PAGE_SIZE,
    SORT_CHOICES,
    SORTS,
    QueueClaim,
    QueueFilters,
    QueuePage,
    back_from_snooze,
    decode_cursor,
    encode_cursor,
    neighbour_in_queue,
    queue_claims,
    queue_page,
)
