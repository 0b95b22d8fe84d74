"""The speech's city in figures (shared/mission/city-figures.md) and their proportional scaling."""

from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal

CITY_CODE = "430400"
CITY_NAME = "衡阳市"

# (code, name, kind, weights for townships, streets, villages, communities). Streets and
# communities sit in the five districts and the two county-level cities.
COUNTIES = (
    ("430405", "珠晖区", "district", 3, 7, 60, 40),
    ("430406", "雁峰区", "district", 1, 5, 20, 30),
    ("430407", "石鼓区", "district", 2, 6, 35, 35),
    ("430408", "蒸湘区", "district", 2, 5, 35, 35),
    ("430412", "南岳区", "district", 3, 1, 30, 6),
    ("430421", "衡阳县", "county", 25, 0, 590, 0),
    ("430422", "衡南县", "county", 24, 0, 560, 0),
    ("430423", "衡山县", "county", 12, 0, 250, 0),
    ("430424", "衡东县", "county", 17, 0, 350, 0),
    ("430426", "祁东县", "county", 24, 0, 520, 0),
    ("430481", "耒阳市", "county_city", 30, 4, 700, 35),
    ("430482", "常宁市", "county_city", 23, 3, 500, 25),
)


@dataclass(frozen=True)
class Figures:
    townships: int = 183
    villages: int = 4889
    streets: int = 31
    communities: int = 206
    committees: int = 690
    general_branches: int = 636
    branches: int = 13449
    class_1: int = 2133
    class_2: int = 2539
    class_3: int = 117
    members: int = 332729
    age_46_54: int = 72280
    age_60_and_over: int = 77890
    bachelor: int = 23197
    associate: int = 44596
    secondary_vocational: int = 38427
    junior_or_less: int = 151494
    restructured_units: int = 106
    restructured_members: int = 17678
    contract_ended: int = 3537
    retired: int = 9450
    # "3,000 多": the figure is open-ended; the demo city holds this many.
    inbound_migrants: int = 3126

    @property
    def unclassified(self) -> int:
        return self.villages - self.class_1 - self.class_2 - self.class_3

    @property
    def organizations(self) -> int:
        return self.committees + self.general_branches + self.branches

    def scaled(self, scale: float) -> "Figures":
        """Every figure times `scale`, rounded half up; scale 1 gives the speech's city."""
        if scale == 1:
            return self
        factor = Decimal(str(scale))
        values = {
            f.name: int((Decimal(getattr(self, f.name)) * factor).quantize(Decimal(1), ROUND_HALF_UP))
            for f in fields(self)
        }
        return Figures(**values)


SPEECH = Figures()


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` into whole parts proportional to `weights` (largest remainder)."""
    weight_sum = sum(weights)
    if total == 0 or weight_sum == 0:
        return [0] * len(weights)
    exact = [total * w / weight_sum for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (exact[i] - parts[i], weights[i]), reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


# What the speech itself says, with the shares it states (city-figures.md): (label, path in the
# statistics report, stated count, stated share or None).
SPEECH_STATEMENTS = (
    ("乡镇", ("divisions", "townships"), 183, None),
    ("建制村", ("divisions", "villages"), 4889, None),
    ("城市街道", ("divisions", "streets"), 31, None),
    ("城市社区", ("divisions", "communities"), 206, None),
    ("基层党组织", ("organizations", "total"), 14775, None),
    ("党委", ("organizations", "committees"), 690, None),
    ("党总支", ("organizations", "general_branches"), 636, None),
    ("党支部", ("organizations", "branches"), 13449, None),
    ("一类村", ("villages", "by_class", "class_1"), 2133, None),
    ("二类村", ("villages", "by_class", "class_2"), 2539, None),
    ("三类村", ("villages", "by_class", "class_3"), 117, None),
    ("党员", ("members", "total"), 332729, None),
    ("46至54岁党员", ("members", "speech_age", "46_54"), 72280, 21.7),
    ("60岁及以上党员", ("members", "speech_age", "60_and_over"), 77890, 23.5),
    ("大学本科", ("members", "by_education", "bachelor"), 23197, 7.0),
    ("大学专科", ("members", "by_education", "associate"), 44596, 13.4),
    ("中专", ("members", "by_education", "secondary_vocational"), 38427, 11.5),
    ("初中及以下", ("members", "by_education", "junior_or_less"), 151494, 45.6),
    ("改制、关停、破产国有企业", ("restructured_enterprises", "units"), 106, None),
    ("其中职工党员", ("restructured_enterprises", "members"), 17678, None),
    ("解除劳动关系的职工党员", ("restructured_enterprises", "contract_ended"), 3537, None),
    ("离退休职工党员", ("restructured_enterprises", "retired"), 9450, None),
    ("进城务工的外来党员（3000多人）", ("members", "floating_in"), 3000, None),
)


def compare_with_speech(report: dict) -> list[dict]:
    """Each figure the speech states beside the one computed from the data. The data decides:
    where the speech's own share is off (23.5% for 77,890 of 332,729), the difference shows."""
    rows = []
    for label, path, stated, stated_share in SPEECH_STATEMENTS:
        value = report
        for key in path:
            value = value[key]
        count, share = (value["count"], value["share"]) if isinstance(value, dict) else (value, None)
        same_count = count >= stated if label.endswith("3000多人）") else count == stated
        rows.append({
            "label": label, "stated": stated, "computed": count, "stated_share": stated_share,
            "computed_share": share, "agrees": same_count and (stated_share is None or stated_share == share),
        })
    return rows
