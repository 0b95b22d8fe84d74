"""The demo city at full scale prints back every figure of shared/mission/city-figures.md."""

from datetime import date

import pytest

from dangjian.db import make_engine, session_scope
from dangjian.demo.figures import compare_with_speech
from dangjian.demo.generator import generate
from dangjian.migrations import upgrade
from dangjian.stats.checks import run_checks
from dangjian.stats.service import build_report
from tests.demo.figures import figures_of

AS_OF = date(2025, 12, 31)

# city-figures.md, table by table.
CITY_FIGURES = {
    "townships": 183, "villages": 4889, "streets": 31, "communities": 206,
    "committees": 690, "general_branches": 636, "branches": 13449,
    "class_1": 2133, "class_2": 2539, "class_3": 117, "unclassified": 100,
    "members": 332729, "age_46_54": 72280, "age_60_and_over": 77890,
    "bachelor": 23197, "associate": 44596, "secondary_vocational": 38427, "junior_or_less": 151494,
    "restructured_units": 106, "restructured_members": 17678, "contract_ended": 3537, "retired": 9450,
}
COMPUTED_SHARES = {
    ("speech_age", "46_54"): 21.7, ("speech_age", "60_and_over"): 23.4,
    ("by_education", "bachelor"): 7.0, ("by_education", "associate"): 13.4,
    ("by_education", "secondary_vocational"): 11.5, ("by_education", "junior_or_less"): 45.5,
}


@pytest.mark.slow
def test_full_scale_city_prints_back_every_figure(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'city.db'}")
    upgrade(engine)
    with session_scope(engine) as session:
        generate(session, scale=1, seed=20251231, as_of=AS_OF, meetings=False)  # meetings: bench/compliance.py
    with session_scope(engine) as session:
        report = build_report(session, as_of=AS_OF)
        findings = run_checks(session, today=AS_OF)
    figures = figures_of(report)
    assert {k: figures[k] for k in CITY_FIGURES} == CITY_FIGURES
    assert report["organizations"]["total"] == 14775
    assert figures["inbound_migrants"] >= 3000
    assert report["members"]["total"] - sum(
        report["members"]["by_education"][g]["count"] for g in ("bachelor", "associate", "secondary_vocational", "junior_or_less")
    ) == 75015
    for (section, key), share in COMPUTED_SHARES.items():
        assert report["members"][section][key]["share"] == share
    # The data decides: only the two shares the speech itself got wrong disagree.
    assert [r["label"] for r in compare_with_speech(report) if not r["agrees"]] == ["60岁及以上党员", "初中及以下"]
    problems = {r.code: r.count for r in findings if r.severity == "problem" and r.count}
    assert problems == {}
    engine.dispose()
