"""Groups outside the IS network (issue 12, step 2): every spelling UCDP, ACLED and GTD
use resolves to the group itself, and ``kharita actors`` never maps it to a branch.

"Outside" is the KB's modelling of a group or splinter with no affiliation relation to a
network member on the event's date (:mod:`kharita.kb.network`): JNIM and its components,
al-Shabaab, HTS, the Taliban, JAS, Ansaru, and the ADF before its affiliation.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kharita.events.attribute import actors, attribute_store
from kharita.kb.load import load_kb
from kharita.kb.network import NETWORK_TYPES, network_profile
from kharita.store.duckdb import connect

#: event id, source, date, ISO3, admin1, actor1, UCDP actor id, the group it must resolve to
OUTSIDE_ROWS = [
    ("acled:o1", "acled", "2021-03-01", "MLI", "Mopti",
     "JNIM: Group for Support of Islam and Muslims", None, "jnim"),
    ("gtd:o2", "gtd", "2019-05-01", "BFA", "Sahel",
     "Jamaat Nusrat al-Islam wal Muslimin (JNIM)", None, "jnim"),
    ("ucdp:o3", "ucdp", "2019-05-02", "MLI", "Mopti region", "JNIM", "6716", "jnim"),
    ("acled:o4", "acled", "2020-02-01", "NGA", "Borno",
     "Boko Haram - Jamatu Ahli is-Sunnah lid-Dawatai wal-Jihad", None, "jas"),
    ("gtd:o5", "gtd", "2018-07-01", "NGA", "Borno", "Boko Haram", None, "jas"),
    ("ucdp:o6", "ucdp", "2019-08-01", "NGA", "Borno state",
     "Jama'atu Ahlis Sunna Lidda'awati wal-Jihad", "1051", "jas"),
    ("gtd:o7", "gtd", "2020-01-15", "NGA", "Kaduna",
     "Ansaru (Jama'atu Ansarul Muslimina Fi Biladis Sudan)", None, "ansaru"),
    ("ucdp:o8", "ucdp", "2018-10-01", "COD", "North Kivu province", "ADF", "489", "adf"),
    ("gtd:o9", "gtd", "2017-03-01", "COD", "North Kivu", "Allied Democratic Forces (ADF)",
     None, "adf"),
    ("acled:o10", "acled", "2020-06-01", "SOM", "Bay", "Al Shabaab", None, "al-shabaab"),
    ("gtd:o11", "gtd", "2019-02-01", "SYR", "Idlib", "Hay'at Tahrir al-Sham", None, "hts"),
    ("ucdp:o12", "ucdp", "2019-04-01", "AFG", "Kunar province", "Taleban", "303", "taliban"),
    ("gtd:o13", "gtd", "2018-01-01", "MLI", "Mopti", "Macina Liberation Front (FLM)", None,
     "flm"),
]
#: positive control: the ADF after its affiliation counts for the Central Africa province
AFFILIATED_ROW = ("ucdp:a1", "ucdp", "2020-10-01", "COD", "North Kivu province", "ADF", "489",
                  "is-central-africa")


@pytest.fixture(scope="module")
def kb():
    return load_kb()


@pytest.fixture(scope="module")
def outside_store(kb):
    con = connect(":memory:")
    rows = [*OUTSIDE_ROWS, AFFILIATED_ROW]
    df = pd.DataFrame([r[:7] for r in rows],
                      columns=["event_id", "source", "date_start", "country_iso3", "admin1",
                               "actor1_name", "actor1_source_id"])
    df["actor2_name"] = "Civilians"
    df["date_start"] = pd.to_datetime(df["date_start"]).dt.date
    df["ingest_file_id"] = "f1"
    con.register("df_events", df)
    con.append("events", "SELECT * FROM df_events")
    attribute_store(con, kb)
    yield con
    con.close()


def test_every_spelling_resolves_to_the_outside_group(outside_store):
    att = outside_store.sql("SELECT event_id, entity_id FROM attributions WHERE side = 1")
    got = {e: sorted(g.entity_id) for e, g in att.groupby("event_id")}
    for event_id, *_, want in [*OUTSIDE_ROWS, AFFILIATED_ROW]:
        assert got.get(event_id) == [want], (event_id, got.get(event_id))


def test_actors_never_maps_an_outside_group_to_a_branch(outside_store, kb):
    """``kharita actors`` (:func:`kharita.events.attribute.actors`) lists, for every name
    of an outside group, no entity of the network's types (no branch, office or root).
    UCDP's "ADF" is left out here: the store also holds an ADF event after its
    affiliation, and ``actors`` pools a name's events over time."""
    network = {e.id for e in kb.entities.values() if e.type in NETWORK_TYPES}
    df = actors(outside_store)
    outside_names = {(r[1], r[5]) for r in OUTSIDE_ROWS} - {AFFILIATED_ROW[1::4]}
    seen = 0
    for rec in df.to_dict("records"):
        if (rec["source"], rec["actor_name"]) not in outside_names:
            continue
        seen += 1
        entities = set(filter(None, str(rec["entities"]).split(", ")))
        assert entities, rec
        assert not entities & network, (rec["actor_name"], entities & network)
    assert seen == len(outside_names)


def test_outside_groups_are_not_network_members(kb):
    members = network_profile(kb).member_ids
    for gid in ("jnim", "ansar-dine", "flm", "al-shabaab", "hts", "taliban", "jas", "ansaru"):
        assert gid in kb.entities
        assert gid not in members, gid
        assert not [r for r in kb.relations if r.source == gid
                    and r.type in ("affiliated_with", "accepted_by", "part_of")], gid


def test_reader_requested_aliases(kb):
    """Aliases asked for by readers resolve to one entity each (no ambiguity)."""
    for name, want in [("عبد الرحمن فاهية", "abdirahman-fahiye"),
                       ("المديرية العامة للولايات", "is-gdp"),
                       ("EIM", "is-mozambique"),
                       ("Jama'tu Ahlis Sunna Lidda'awati wal-Jihad", "jas"),
                       ("Hajji Abdallah", "abu-ibrahim-al-hashimi-al-qurashi"),
                       ("Amir Muhammad Sa'id Abdal-Rahman al-Mawla",
                        "abu-ibrahim-al-hashimi-al-qurashi")]:
        assert [m.entity_id for m in kb.find(name)] == [want], name
    assert "EIM" in kb.entity("is-mozambique").aliases.fr
