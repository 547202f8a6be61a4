"""The demo programme: ten real three-regions counties of Hunan (GB/T 2260 codes), with teams
from universities and social-work agencies and the townships and villages they serve.  Village
names are illustrative."""
from __future__ import annotations

#: code, name, prefecture, short code used in usernames and respondent codes,
#: [(township, [villages/communities])]
COUNTIES = [
    ("430626", "平江县", "岳阳市", "PJ", [("加义镇", ["丽江村", "合星村"]), ("长寿镇", ["兴昌村", "合江村"]), ("三市镇", ["仙江村"])]),
    ("433123", "凤凰县", "湘西土家族苗族自治州", "FH", [("山江镇", ["早岗村", "老家寨村"]), ("禾库镇", ["德榜村", "吉伍村"]), ("腊尔山镇", ["追高鲁村"])]),
    ("433124", "花垣县", "湘西土家族苗族自治州", "HY", [("双龙镇", ["十八洞村", "金龙村"]), ("边城镇", ["磨老村", "隘门村"])]),
    ("433126", "古丈县", "湘西土家族苗族自治州", "GZ", [("默戎镇", ["牛角山村", "龙鼻村"]), ("红石林镇", ["坐苦坝村", "花兰村"])]),
    ("433127", "永顺县", "湘西土家族苗族自治州", "YS", [("芙蓉镇", ["硕乐村", "和平社区"]), ("灵溪镇", ["司城村", "那必村"]), ("松柏镇", ["科皮村"])]),
    ("430822", "桑植县", "张家界市", "SZ", [("洪家关白族乡", ["洪家关村", "泉峪村"]), ("利福塔镇", ["水田坝村"]), ("瑞塔铺镇", ["仓关峪村"])]),
    ("430529", "城步苗族自治县", "邵阳市", "CB", [("儒林镇", ["大寨村", "清溪社区"]), ("丹口镇", ["桃林村", "大坪村"])]),
    ("431230", "通道侗族自治县", "怀化市", "TD", [("坪坦乡", ["皇都村", "高步村"]), ("双江镇", ["芙蓉社区", "黄柏村"]), ("陇城镇", ["路塘村"])]),
    ("431129", "江华瑶族自治县", "永州市", "JH", [("沱江镇", ["豪山社区", "大路铺村"]), ("大圩镇", ["宝镜村", "大圩村"])]),
    ("430225", "炎陵县", "株洲市", "YL", [("霞阳镇", ["西草坪社区", "梨树洲村"]), ("水口镇", ["水口村", "岭下村"]), ("十都镇", ["神农村"])]),
]

#: team for each county (same order): name, host organisation, host type, service domains
TEAMS = [
    ("平江县三区社工服务队", "湖南师范大学公共管理学院社会工作系", "university", ["disaster", "elderly", "veterans", "outreach"]),
    ("凤凰县三区社工服务队", "吉首大学哲学与政法学院社会工作系", "university", ["rural", "community", "elderly", "outreach"]),
    ("花垣县三区社工服务队", "长沙民政职业技术学院社会工作学院", "university", ["rural", "community", "outreach"]),
    ("古丈县三区社工服务队", "湘西州乐和社会工作服务中心", "agency", ["elderly", "rural", "outreach"]),
    ("永顺县三区社工服务队", "中南大学社会学系", "university", ["disaster", "community", "elderly"]),
    ("桑植县三区社工服务队", "张家界市同心社会工作服务中心", "agency", ["veterans", "elderly", "outreach"]),
    ("城步县三区社工服务队", "湖南农业大学人文与社会科学学院", "university", ["rural", "elderly", "disaster"]),
    ("通道县三区社工服务队", "怀化学院法学与公共管理学院", "university", ["community", "rural", "outreach"]),
    ("江华县三区社工服务队", "永州市瑶乡社会工作服务中心", "agency", ["elderly", "community", "disaster"]),
    ("炎陵县三区社工服务队", "湘潭大学公共管理学院社会工作系", "university", ["veterans", "elderly", "rural", "outreach"]),
]

#: mean awareness gain per county in standard deviations: mostly moderate, one near zero
#: (so that reports show how a non-significant result is worded), one large
GAINS = [0.65, 0.55, 0.8, 0.45, 0.5, 0.6, 0.35, 0.5, 0.05, 0.7]

COMMENTS = [
    "社工经常来看望我们老人，很贴心。",
    "希望社工多待一段时间，不要走。",
    "讲的政策听得懂，办事方便多了。",
    "洪水以后社工帮我们联系了救助，很感谢。",
    "活动时间最好放在农闲的时候。",
    "有些话用苗话讲我们更明白。",
    "希望多组织一些给留守孩子的活动。",
    "社工帮我家申请了临时救助。",
    "不太清楚社工站在哪里，希望多宣传。",
    "给老兵家里送的慰问很及时。",
    "村里的广场舞队是社工带起来的，好！",
    "希望能上门服务，老人走不动。",
]

DEMO_PASSWORD = "sanqu-demo-2026"  # noqa: S105 - printed for the demo on purpose
