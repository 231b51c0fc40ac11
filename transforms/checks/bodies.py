"""The body_unresolved check: every report's issuing body has a level and, below province level,
a region with its adcode (`transforms.normalise.bodies`); where not, a finding with the name as
printed and why (not in the library, several regions match, an unknown form).

In: `bodies.Resolved`. Out: one evaluation row per report (schemas.EVALUATIONS): violation 0
when resolved, 1 when not; expected 1 region, actual the number of regions the name fits.
"""

from __future__ import annotations

import pandas as pd

from transforms.checks.evaluations import evaluation_frame
from transforms.normalise.bodies import Body, Resolved

CHECK_ID = "body_unresolved"


def _evaluation(report_id: str, printed: str, body: Body) -> dict:
    where = body.region.adcode if body.region else "no adcode"
    said = f"{printed} → {body.name} ({body.level}, {where})"
    return {
        "report_id": report_id,
        "rule_id": CHECK_ID,
        "check": CHECK_ID,
        "breakdown": None,
        "op": "=",
        "expected": 1.0,
        "actual": float(body.candidates),
        "violation": 1.0 if body.unresolved else 0.0,
        "message": f"{printed}: {body.unresolved}" if body.unresolved else said,
        "locator": "title",
    }


def evaluate_bodies(resolved: Resolved) -> pd.DataFrame:
    """One body_unresolved evaluation per report with a body."""
    return evaluation_frame([_evaluation(*r) for r in resolved.reports])
