"""Synthetic names for people, places and units of the demo city."""

import random
from itertools import accumulate

# Common surnames with a Hunan flavour, most frequent first (weights fall off with the rank).
SURNAMES = (
    "刘李王陈张彭罗谭周唐黄邓曾肖赵蒋胡谢吴杨廖欧贺朱许何文易颜伍段阳李龙聂旷邹孙雷谷康刘夏左"
    "宁曹肖邱汤尹萧洪石丁郭梁宋徐高林马钟江田熊范方傅姚袁戴卢廖龚钱陆谭蔡侯"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官")
MALE_CHARS = "伟强军平华建国明永杰峰志刚勇斌辉海涛波超亮红春林文新德成宏庆祥福贵兵正清光荣东升松柏"
FEMALE_CHARS = "芳丽娟英敏静秀霞艳玲燕红梅兰琴凤云莉萍桂珍慧丹娜婷雪月春妹翠琳花"
NEUTRAL_CHARS = "小晓子佳家思嘉雨俊欣一心泽宇浩然阳晨"

PLACE_HEADS = "东西南北中上下大小新老长高青白金石龙凤云泉杉松柏桃荷花茶樟枫竹梅杨柳黄红双三五七九万太平安和丰"
PLACE_TAILS = "山水田塘湾坪冲岭坡桥港渡湖江溪洲源峰林口岗铺市坝园溪湘阳河"

INDUSTRIES = ("机械厂", "纺织厂", "化工厂", "水泥厂", "印刷厂", "钢管厂", "电机厂", "食品厂", "建材厂", "运输公司", "百货公司", "五金厂", "造纸厂", "酒厂", "粮油公司", "物资公司", "农机厂", "玻璃厂")
PRIVATE = ("科技有限公司", "实业有限公司", "建设工程有限公司", "商贸有限公司", "农业开发有限公司", "物流有限公司", "电子有限公司", "新材料有限公司")
SOCIAL = ("商会", "行业协会", "志愿者协会", "社会工作服务中心", "养老服务中心", "律师事务所")
AGENCIES = ("发展和改革局", "财政局", "教育局", "公安局", "民政局", "人力资源和社会保障局", "自然资源局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局", "文化旅游广电体育局", "卫生健康委员会", "审计局", "市场监督管理局", "统计局", "医疗保障局", "林业局", "应急管理局", "退役军人事务局", "信访局", "司法局", "生态环境局", "城市管理局", "税务局", "法院", "检察院")
INSTITUTIONS = ("疾病预防控制中心", "档案馆", "图书馆", "农业技术推广中心", "不动产登记中心", "公共资源交易中心", "政务服务中心", "广播电视台", "融媒体中心", "水文站", "气象局", "住房公积金管理部")
STATE_ENTERPRISES = ("城市建设投资有限公司", "交通建设投资有限公司", "水务投资有限公司", "农村商业银行", "供电公司", "燃气有限公司", "国有资产经营有限公司", "公共交通有限公司")
SCHOOLS = ("第一中学", "第二中学", "第三中学", "第四中学", "实验中学", "职业中专学校", "第一完全小学", "实验小学", "第五中学", "特殊教育学校", "第六中学", "城关中学")
HOSPITALS = ("人民医院", "中医医院", "妇幼保健院", "第二人民医院", "精神病医院", "骨伤科医院")
OUTSIDE_PLACES = ("广东省深圳市", "广东省东莞市", "广东省广州市", "广东省佛山市", "浙江省宁波市", "浙江省温州市", "上海市", "湖南省长沙市", "福建省厦门市", "江苏省苏州市")
OUTSIDE_ORGS = ("湖南省邵阳市邵东市", "湖南省永州市祁阳市", "湖南省郴州市桂阳县", "湖南省娄底市双峰县", "湖南省邵阳市新邵县", "江西省萍乡市莲花县", "湖南省株洲市攸县", "湖南省永州市道县")


class Namer:
    """Deterministic name source for one generation run."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._used_places: set[tuple[str, str]] = set()
        # cumulative once: random.choices draws the same as with the weights themselves
        self._surname_cum_weights = list(accumulate(1.0 / (i + 4) for i in range(len(SURNAMES))))
        self._first_chars = {"male": NEUTRAL_CHARS + MALE_CHARS, "female": NEUTRAL_CHARS + FEMALE_CHARS}

    def person(self, gender: str) -> str:
        rng = self.rng
        if rng.random() < 0.01:
            surname = rng.choice(COMPOUND_SURNAMES)
        else:
            surname = rng.choices(SURNAMES, cum_weights=self._surname_cum_weights)[0]
        chars = MALE_CHARS if gender == "male" else FEMALE_CHARS
        if rng.random() < 0.35:
            return surname + rng.choice(chars)
        first = rng.choice(self._first_chars["male" if gender == "male" else "female"])
        return surname + first + rng.choice(chars)

    def place(self, scope: str) -> str:
        """A two-character place name, unique within `scope`."""
        choice, used = self.rng.choice, self._used_places
        for _ in range(200):  # a scope can run out of two-character names: all 200 tries are drawn then
            name = choice(PLACE_HEADS) + choice(PLACE_TAILS)
            if (scope, name) not in used:
                used.add((scope, name))
                return name
        name = choice(PLACE_HEADS) + choice(PLACE_HEADS) + choice(PLACE_TAILS)
        used.add((scope, name))
        return name

    def phone(self) -> str:
        return "1" + self.rng.choice("3456789") + f"{self.rng.randrange(10**9):09d}"
