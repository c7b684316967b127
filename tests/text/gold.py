# ruff: noqa: E501  (article text: lines are sentences)
"""Short Arabic and English test articles written for kharita's tests, with gold mentions.

The texts were written for these tests (they copy no published sentence). Gold
mentions are ``(kind, key, surface)``: ``key`` is the entity id for entities, the
gazetteer's English name for places, the ISO value for dates and
``"<unit> <value>"`` / ``"<unit> <low>-<high>"`` for figures. Generic mentions of
"the organisation" are gold only where the article has already named the network.
"""

from __future__ import annotations

AR_TEXT = """\
تقرير: نشاط التنظيم في إفريقيا وآسيا
الثلاثاء 14 تشرين الأول 2025

قال مسؤولون في نيجيريا إن ولاية غرب إفريقيا نفذت هجوما على قاعدة عسكرية قرب مايدوغوري في 3 آب 2025.
ويرى باحثون أن داعش بات يعتمد على فروعه الإفريقية أكثر من أي وقت مضى، وأن للتنظيم حضورا متزايدا في موزمبيق.
وبحسب تقرير لمجلس الأمن (تموز 2025)، يضم فرع الصومال ما بين 600 و800 مقاتل في جبال بونتلاند.
في المقابل، تراجعت هجمات بولاية خراسان داخل أفغانستان خلال الفترة 2022–2024، لكنها امتدت إلى باكستان.
وكان أبو بكر البغدادي قد ظهر في الموصل عام 2014.
وتشير التقديرات إلى أن نحو 3 آلاف عنصر ما زالوا ينشطون في البادية السورية.
"""

AR_GOLD: set[tuple[str, str, str]] = {
    ("place", "Africa", "إفريقيا"),
    ("place", "Asia", "آسيا"),
    ("date", "2025-10-14", "14 تشرين الأول 2025"),
    ("place", "Nigeria", "نيجيريا"),
    ("entity", "is-west-africa", "ولاية غرب إفريقيا"),
    ("place", "Maiduguri", "مايدوغوري"),
    ("date", "2025-08-03", "3 آب 2025"),
    ("entity", "is", "داعش"),
    ("entity", "is", "للتنظيم"),
    ("place", "Mozambique", "موزمبيق"),
    ("date", "2025-07", "تموز 2025"),
    ("entity", "is-somalia", "فرع الصومال"),
    ("figure", "fighters 600-800", "بين 600 و800 مقاتل"),
    ("place", "Puntland", "بونتلاند"),
    ("entity", "is-khorasan", "ولاية خراسان"),
    ("place", "Afghanistan", "أفغانستان"),
    ("date", "2022", "2022–2024"),
    ("place", "Pakistan", "باكستان"),
    ("entity", "abu-bakr-al-baghdadi", "أبو بكر البغدادي"),
    ("place", "Mosul", "الموصل"),
    ("date", "2014", "2014"),
    ("figure", "fighters 3000", "نحو 3 آلاف عنصر"),
    ("place", "Syrian Desert", "البادية السورية"),
}

EN_TEXT = """\
Islamic State affiliates shift weight to Africa
Published 2 April 2024

According to a UN monitoring report (January 2024), ISWAP fields between 4,000 and 5,000 \
fighters around Lake Chad. The Islamic State Khorasan Province, also known as ISKP, claimed \
the attack on Crocus City Hall near Moscow on 22 March 2024.
Analysts say the Somalia branch under Abdulqadir Mumin has become a financial hub for the \
network, moving more than $2 million a year. In Mozambique, fighters of the province attacked \
Palma in 2021. The General Directorate of Provinces coordinates these offices.
Iraq and Syria remain the symbolic core, and fewer than 10% of attacks now take place there.
"""

EN_GOLD: set[tuple[str, str, str]] = {
    ("entity", "is", "Islamic State"),
    ("place", "Africa", "Africa"),
    ("date", "2024-04-02", "2 April 2024"),
    ("date", "2024-01", "January 2024"),
    ("entity", "is-west-africa", "ISWAP"),
    ("figure", "fighters 4000-5000", "between 4,000 and 5,000 fighters"),
    ("place", "Lake Chad Basin", "Lake Chad"),
    ("entity", "is-khorasan", "Islamic State Khorasan Province"),
    ("entity", "is-khorasan", "ISKP"),
    ("entity", "crocus-city-hall-attack-2024", "Crocus City Hall"),
    ("place", "Moscow", "Moscow"),
    ("date", "2024-03-22", "22 March 2024"),
    ("entity", "is-somalia", "Somalia branch"),
    ("entity", "abdulqadir-mumin", "Abdulqadir Mumin"),
    ("figure", "USD 2e+06", "more than $2 million"),
    ("place", "Mozambique", "Mozambique"),
    ("place", "Palma", "Palma"),
    ("date", "2021", "2021"),
    ("entity", "is-gdp", "General Directorate of Provinces"),
    ("place", "Iraq", "Iraq"),
    ("place", "Syria", "Syria"),
    ("figure", "percent 10", "fewer than 10%"),
}

AR2_TEXT = """\
غارات على مواقع للتنظيم في الصومال
نشر في 9 شباط 2024

أعلنت قوات بونتلاند أنها قتلت أكثر من 40 عنصرا من داعش الصومال في سلسلة عمليات خلال كانون الثاني 2024.
وذكرت تقارير محلية أن عبد القادر مؤمن ما زال يدير شبكة تمويل تمتد إلى كينيا وإثيوبيا.
وفي العراق، أحبطت السلطات مخططا لتفجير في كركوك، بينما تواصل ولاية الساحل نشاطها في مالي والنيجر.
ويقول خبراء إن عائدات فرع الصومال بلغت نحو 2.5 مليون دولار في 2021.
"""

AR2_GOLD: set[tuple[str, str, str]] = {
    ("place", "Somalia", "الصومال"),
    ("date", "2024-02-09", "9 شباط 2024"),
    ("place", "Puntland", "بونتلاند"),
    ("figure", "fighters 40", "أكثر من 40 عنصرا"),
    ("entity", "is-somalia", "داعش الصومال"),
    ("date", "2024-01", "كانون الثاني 2024"),
    ("entity", "abdulqadir-mumin", "عبد القادر مؤمن"),
    ("place", "Kenya", "كينيا"),
    ("place", "Ethiopia", "إثيوبيا"),
    ("place", "Iraq", "العراق"),
    ("place", "Kirkuk", "كركوك"),
    ("entity", "is-sahel", "ولاية الساحل"),
    ("place", "Mali", "مالي"),
    ("place", "Niger", "النيجر"),
    ("entity", "is-somalia", "فرع الصومال"),
    ("figure", "USD 2.5e+06", "نحو 2.5 مليون دولار"),
    ("date", "2021", "2021"),
}

EN2_TEXT = """\
Sahel violence report, 15 July 2023

The Islamic State Sahel Province, formerly known as ISGS, has expanded around Menaka since 2022.
Officials in Niger said that about 300 people were killed in attacks between 2021 and 2022.
In the Democratic Republic of the Congo, the Central Africa Province raided villages near Beni.
Abu Bakr al-Baghdadi was killed in Syria in October 2019.
"""

EN2_GOLD: set[tuple[str, str, str]] = {
    ("place", "Sahel", "Sahel"),
    ("date", "2023-07-15", "15 July 2023"),
    ("entity", "is-sahel", "Islamic State Sahel Province"),
    ("entity", "is-sahel", "ISGS"),
    ("place", "Menaka", "Menaka"),
    ("date", "2022", "2022"),
    ("place", "Niger", "Niger"),
    ("figure", "people 300", "about 300 people"),
    ("date", "2021", "between 2021 and 2022"),
    ("place", "DRC", "Democratic Republic of the Congo"),
    ("entity", "is-central-africa", "Central Africa Province"),
    ("place", "Beni", "Beni"),
    ("entity", "abu-bakr-al-baghdadi", "Abu Bakr al-Baghdadi"),
    ("place", "Syria", "Syria"),
    ("date", "2019-10", "October 2019"),
}

AR3_TEXT = """\
الرقة – ١٢ أيار ٢٠٢٣

أعلنت قوات سوريا الديمقراطية أن خلايا تنظيم الدولة الإسلامية نفّذت ١٧ هجوماً في دير الزور خلال نيسان.
وأضافت أن والي ولاية الشام قُتل في عملية قرب الحسكة، فيما فرّ آخرون نحو البادية.
وقال مسؤول عراقي إن بقايا التنظيم في الأنبار وكركوك لا تتجاوز ٥٠٠ عنصر.
وفي أفغانستان، تبنّت ولايةُ خراسان تفجيراً استهدف حافلة في مزار شريف.
"""

AR3_GOLD: set[tuple[str, str, str]] = {
    ("place", "Ar Raqqah", "الرقة"),
    ("date", "2023-05-12", "١٢ أيار ٢٠٢٣"),
    ("entity", "is", "تنظيم الدولة الإسلامية"),
    ("figure", "attacks 17", "١٧ هجوماً"),
    ("place", "Deir ez-Zor", "دير الزور"),
    ("date", "2023-04", "نيسان"),
    ("entity", "is-syria", "ولاية الشام"),
    ("place", "Al Ḩasakah", "الحسكة"),
    ("place", "Syrian Desert", "البادية"),
    ("entity", "is", "التنظيم"),
    ("place", "Anbar", "الأنبار"),
    ("place", "Kirkuk", "كركوك"),
    ("figure", "fighters 500", "لا تتجاوز ٥٠٠ عنصر"),
    ("place", "Afghanistan", "أفغانستان"),
    ("entity", "is-khorasan", "ولايةُ خراسان"),
    ("place", "Mazār-e Sharīf", "مزار شريف"),
}

EN3_TEXT = """\
Mogadishu, 4 September 2024 — Somali officials said on Tuesday that fighters loyal to \
IS-Somalia had retreated into the Cal Miskaad mountains after air strikes. The branch, led by \
Abdulqadir Mumin, is thought to hold fewer than 700 fighters. Elsewhere, Islamic State West \
Africa Province fighters killed at least 20 soldiers in Borno State in August 2024, according \
to the Nigerian army. ISIS also claimed an attack in Kerman, Iran, in January 2024.
"""

EN3_GOLD: set[tuple[str, str, str]] = {
    ("place", "Mogadishu", "Mogadishu"),
    ("date", "2024-09-04", "4 September 2024"),
    ("entity", "is-somalia", "IS-Somalia"),
    ("place", "Cal Miskaad", "Cal Miskaad"),
    ("entity", "abdulqadir-mumin", "Abdulqadir Mumin"),
    ("figure", "fighters 700", "fewer than 700 fighters"),
    ("entity", "is-west-africa", "Islamic State West Africa Province"),
    ("figure", "soldiers 20", "at least 20 soldiers"),
    ("place", "Borno", "Borno State"),
    ("date", "2024-08", "August 2024"),
    ("entity", "is", "ISIS"),
    ("place", "Kerman", "Kerman"),
    ("place", "Iran", "Iran"),
    ("date", "2024-01", "January 2024"),
}

# (name, language, text, gold); ar-1 and en-1 were written while building the reader,
# ar-2 and en-2 after it (without changing the reader for them), ar-3 and en-3 later,
# with harder text (diacritics, Arabic-Indic digits, year-less months, multi-word
# city names), scored before any change prompted by them.
CORPUS = [
    ("ar-1", "ar", AR_TEXT, AR_GOLD),
    ("en-1", "en", EN_TEXT, EN_GOLD),
    ("ar-2", "ar", AR2_TEXT, AR2_GOLD),
    ("en-2", "en", EN2_TEXT, EN2_GOLD),
    ("ar-3", "ar", AR3_TEXT, AR3_GOLD),
    ("en-3", "en", EN3_TEXT, EN3_GOLD),
]


def mention_key(m: object) -> tuple[str, str, str]:
    """The gold-comparable key of a :class:`kharita.text.mentions.Mention`."""
    kind = m.kind  # type: ignore[attr-defined]
    key = m.attrs.get("name") if kind == "place" else m.key  # type: ignore[attr-defined]
    return kind, str(key), m.text  # type: ignore[attr-defined]


def precision_recall(found: set[tuple[str, str, str]],
                     gold: set[tuple[str, str, str]]) -> tuple[float, float, int, int, int]:
    """(precision, recall, true positives, false positives, false negatives)."""
    tp = len(found & gold)
    fp = len(found - gold)
    fn = len(gold - found)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, tp, fp, fn
