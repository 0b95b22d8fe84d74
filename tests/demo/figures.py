"""Reading the speech's figures back out of a statistics report."""

from dangjian.demo.figures import Figures


def figures_of(report: dict) -> dict[str, int]:
    members = report["members"]
    return {
        "townships": report["divisions"]["townships"],
        "villages": report["divisions"]["villages"],
        "streets": report["divisions"]["streets"],
        "communities": report["divisions"]["communities"],
        "committees": report["organizations"]["committees"],
        "general_branches": report["organizations"]["general_branches"],
        "branches": report["organizations"]["branches"],
        "class_1": report["villages"]["by_class"]["class_1"],
        "class_2": report["villages"]["by_class"]["class_2"],
        "class_3": report["villages"]["by_class"]["class_3"],
        "unclassified": report["villages"]["by_class"]["unclassified"],
        "members": members["total"],
        "age_46_54": members["speech_age"]["46_54"]["count"],
        "age_60_and_over": members["speech_age"]["60_and_over"]["count"],
        "bachelor": members["by_education"]["bachelor"]["count"],
        "associate": members["by_education"]["associate"]["count"],
        "secondary_vocational": members["by_education"]["secondary_vocational"]["count"],
        "junior_or_less": members["by_education"]["junior_or_less"]["count"],
        "restructured_units": report["restructured_enterprises"]["units"],
        "restructured_members": report["restructured_enterprises"]["members"],
        "contract_ended": report["restructured_enterprises"]["contract_ended"],
        "retired": report["restructured_enterprises"]["retired"],
        "inbound_migrants": members["floating_in"]["count"],
    }


def expected(figures: Figures) -> dict[str, int]:
    values = {name: getattr(figures, name) for name in figures.__dataclass_fields__}
    return {**values, "unclassified": figures.unclassified}
