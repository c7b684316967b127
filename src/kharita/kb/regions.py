"""World regions of countries and of KB entities' free-text region labels.

The convention is UCDP GED's ``region`` field (Sundberg & Melander 2013): Africa
includes Libya and Algeria; the Middle East includes Egypt, Turkey, Iran and Yemen; the
Caucasus and Russia are Europe.
"""

from __future__ import annotations

#: World regions (the UCDP GED ``region`` convention: Africa includes Libya and
#: Algeria; the Middle East includes Egypt, Turkey, Iran and Yemen; the Caucasus and
#: Russia are Europe). Used when the KB entity has no ``region``.
WORLD_REGIONS: tuple[str, ...] = ("Middle East", "Africa", "Asia", "Europe", "Americas")
COUNTRY_REGION: dict[str, str] = {
    **dict.fromkeys(
        ["IRQ", "SYR", "TUR", "IRN", "JOR", "LBN", "ISR", "PSE", "SAU", "YEM", "KWT",
         "BHR", "QAT", "ARE", "OMN", "EGY", "CYP"], "Middle East"),
    **dict.fromkeys(
        ["NGA", "NER", "TCD", "CMR", "MLI", "BFA", "BEN", "TGO", "GHA", "CIV", "SEN",
         "MRT", "GIN", "GMB", "GNB", "SLE", "LBR", "COD", "COG", "CAF", "UGA", "RWA",
         "BDI", "TZA", "KEN", "SOM", "ETH", "ERI", "DJI", "SDN", "SSD", "MOZ", "MWI",
         "ZMB", "ZWE", "ZAF", "AGO", "NAM", "BWA", "SWZ", "LSO", "MDG", "COM", "LBY",
         "DZA", "TUN", "MAR", "ESH", "GAB", "GNQ"], "Africa"),
    **dict.fromkeys(
        ["AFG", "PAK", "IND", "BGD", "LKA", "NPL", "MDV", "BTN", "TJK", "UZB", "KGZ",
         "TKM", "KAZ", "PHL", "IDN", "MYS", "THA", "MMR", "KHM", "LAO", "VNM", "SGP",
         "CHN", "JPN", "KOR", "PRK", "MNG", "TLS", "BRN", "AUS", "NZL", "PNG"], "Asia"),
    **dict.fromkeys(
        ["RUS", "AZE", "GEO", "ARM", "UKR", "BLR", "FRA", "BEL", "DEU", "GBR", "ESP",
         "ITA", "AUT", "SWE", "NOR", "DNK", "FIN", "NLD", "CHE", "POL", "CZE", "HUN",
         "ROU", "BGR", "GRC", "SRB", "BIH", "HRV", "MKD", "ALB", "XKX", "MNE", "SVN",
         "SVK", "PRT", "IRL", "LUX", "MDA", "EST", "LVA", "LTU"], "Europe"),
    **dict.fromkeys(
        ["USA", "CAN", "MEX", "BRA", "COL", "VEN", "PER", "ARG", "CHL", "ECU", "BOL",
         "HTI", "TTO", "GTM", "HND", "SLV", "NIC", "CRI", "PAN", "CUB", "DOM", "JAM",
         "URY", "PRY", "GUY", "SUR"], "Americas"),
}
UNKNOWN_REGION = "Unknown"


def world_region(label: str | None) -> str | None:
    """Map a free-text region label (as a KB entity may spell it) to a world region.

    >>> world_region("West Africa"), world_region("Middle East and North Africa")
    ('Africa', 'Middle East')
    >>> world_region("South Asia"), world_region(None)
    ('Asia', None)
    """
    if not label:
        return None
    low = label.lower()
    if any(k in low for k in ("middle east", "mena", "levant", "gulf", "arabian")):
        return "Middle East"
    if "africa" in low or "sahel" in low or "maghreb" in low:
        return "Africa"
    if "asia" in low:
        return "Asia"
    if "europe" in low or "caucasus" in low:
        return "Europe"
    if "america" in low:
        return "Americas"
    return label
