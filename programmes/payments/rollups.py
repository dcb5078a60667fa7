"""Money out's rollups: committed, claimed and paid per scope, rebuilt by the
savings drain (savings.rollups.scope_recompute_register; docs/money.md,
"Rollups").

Like the savings rollups, each scope's rows are deleted and inserted again
from the facts with grouped SQL, never adjusted by a delta, so a drain run
twice or a recompute from scratch leaves the same rows. A claim counts in the
scope of its award (a partner council's claim too)."""

from __future__ import annotations

from typing import Any

from programmes.payments.models import LIVE_CLAIM_STATES, ClaimState
from savings.outbox import Scope
from savings.rollups import scope_filter

COLUMNS = (
    "strand_id, council_id, financial_year, call_id, committed, awarded, awards, "
    "claimed, paid, computed_at"
)


def money_recompute(cursor: Any, scopes: list[Scope] | None, now: Any) -> None:
    """Rebuild the money rollup rows of `scopes` (every row when None)."""
    where_r, params_r = scope_filter(scopes, "payments_moneyrollup")
    cursor.execute(f"DELETE FROM payments_moneyrollup WHERE 1 = 1{where_r}", params_r)  # noqa: S608
    where_c, params_c = scope_filter(scopes, "c")
    where_k, params_k = scope_filter(scopes, "kc")
    live = ", ".join(["%s"] * len(LIVE_CLAIM_STATES))
    # Claims summed per award first (only the dirty scopes' awards), then
    # awards per scope and call.
    sql = f"""
        INSERT INTO payments_moneyrollup ({COLUMNS})
        SELECT c.strand_id, c.council_id, c.financial_year, a.call_id,
               SUM(c.amount), SUM(c.awarded), COUNT(*),
               COALESCE(SUM(k.claimed), 0), COALESCE(SUM(k.paid), 0), %s
        FROM payments_commitment c
        LEFT JOIN applications_application a ON a.id = c.application_id
        LEFT JOIN (
            SELECT kl.commitment_id, SUM(kl.amount) AS claimed,
                   SUM(CASE WHEN kl.state = %s THEN kl.amount ELSE 0 END) AS paid
            FROM payments_claim kl
            JOIN payments_commitment kc ON kc.id = kl.commitment_id
            WHERE kl.state IN ({live}){where_k}
            GROUP BY kl.commitment_id
        ) k ON k.commitment_id = c.id
        WHERE 1 = 1{where_c}
        GROUP BY c.strand_id, c.council_id, c.financial_year, a.call_id
    """  # noqa: S608 - only our own names are interpolated
    cursor.execute(
        sql,
        [now, ClaimState.PAID.value, *(s.value for s in LIVE_CLAIM_STATES), *params_k, *params_c],
    )
