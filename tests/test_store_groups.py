"""Groups, audiences and permissions, enforced by the store itself, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from annotator.annotation import make_annotation, make_link
from annotator.errors import AnnotationError, NotFoundError, PermissionDeniedError, StoreError
from annotator.jsonld import from_w3c, to_w3c
from annotator.reading import Reading
from annotator.store import Store


def ann(text, start, creator, audience="public", note="", tropes=("matchmaker",)):
    a = make_annotation(
        text, "one-dance", start, start + 30, creator=creator, tropes=tropes, note=note
    )
    return a.with_changes(audience=audience, modified=a.modified)


@pytest.fixture
def class_store(store_url, text):
    """A class on one store: ada and bo in english-10b, cy outside it; each with a public,
    a private and a group annotation (cy's "group" one is public: she is not a member)."""
    with Store(store_url) as admin:
        admin.create_group("english-10b")
        admin.add_members("english-10b", ["ada", "bo"])
        made = {}
        for i, who in enumerate(("ada", "bo", "cy")):
            made[who] = {
                aud: admin.add(
                    ann(
                        text,
                        100 * (3 * i + k),
                        who,
                        aud if who != "cy" or aud != "group:english-10b" else "public",
                    )
                )
                for k, aud in enumerate(("public", "private", "group:english-10b"))
            }
    stores = {who: Store(store_url, user=who) for who in ("ada", "bo", "cy")}
    yield made, stores
    for s in stores.values():
        s.close()


def ids(annotations):
    return {a.id for a in annotations}


def test_each_reader_sees_public_own_and_their_groups(class_store):
    made, s = class_store
    public = {made[w]["public"].id for w in made} | {made["cy"]["group:english-10b"].id}
    ada_sees = public | {
        made["ada"]["private"].id,
        made["ada"]["group:english-10b"].id,
        made["bo"]["group:english-10b"].id,
    }
    assert ids(s["ada"].annotations("one-dance")) == ada_sees
    cy_sees = public | {made["cy"]["private"].id}
    assert ids(s["cy"].annotations()) == cy_sees
    assert s["cy"].count("one-dance") == len(cy_sees) and s["cy"].count() == len(cy_sees)
    # get() of what one may not see is "not found", not "forbidden": no existence leak.
    with pytest.raises(NotFoundError):
        s["cy"].get(made["ada"]["group:english-10b"].id)
    with pytest.raises(NotFoundError):
        s["bo"].get(made["ada"]["private"].id)
    assert s["bo"].get(made["ada"]["group:english-10b"].id).creator == "ada"
    # Filters combine with visibility.
    assert ids(s["bo"].annotations(creator="ada")) == {
        made["ada"]["public"].id,
        made["ada"]["group:english-10b"].id,
    }
    assert ids(s["bo"].annotations(audience="private")) == {made["bo"]["private"].id}
    assert ids(s["cy"].annotations(trope="matchmaker", start=0, end=10_000)) == cy_sees


def test_readers_lists_only_visible_creators(store_url, text):
    with Store(store_url) as admin:
        admin.add(ann(text, 100, "dee", "private"))
        admin.add(ann(text, 200, "ada"))
        assert admin.readers() == ["ada", "dee"]
    with Store(store_url, user="bo") as bo:
        assert bo.readers("one-dance") == ["ada"] and bo.readers() == ["ada"]
    with Store(store_url, user="dee") as dee:
        assert dee.readers() == ["ada", "dee"]


def test_an_unrestricted_store_sees_everything(class_store, store_url):
    made, _ = class_store
    with Store(store_url) as admin:
        assert admin.user is None and admin.count() == 9
        assert ids(admin.annotations()) == {a.id for per in made.values() for a in per.values()}


def test_readers_change_only_their_own(class_store, text):
    made, s = class_store
    bos = made["bo"]["public"]
    with pytest.raises(
        PermissionDeniedError, match="'ada' cannot edit annotation .* belongs to 'bo'"
    ):
        s["ada"].update(bos.with_changes(note="mine now"))
    with pytest.raises(PermissionDeniedError, match="'bo' cannot edit .* as 'ada'"):
        s["bo"].update(bos.with_changes(creator="ada"))  # nor give it away
    with pytest.raises(PermissionDeniedError, match="cannot delete"):
        s["ada"].delete(bos.id)
    with pytest.raises(PermissionDeniedError, match="as 'bo'"):
        s["ada"].add(ann(text, 900, "bo"))
    with pytest.raises(PermissionDeniedError):
        s["ada"].replace_all([bos.with_changes(note="x")])
    with pytest.raises(PermissionDeniedError, match="cannot replace"):
        s["ada"].add_many(
            [bos.with_changes(creator="ada", modified="2099-01-01T00:00:00.000Z")],
            on_conflict="newer",
        )
    with pytest.raises(PermissionDeniedError):  # an import of others' work is an admin's job
        s["ada"].add_many([bos], on_conflict="skip")
    # What one cannot see cannot be changed either, and says "not found".
    with pytest.raises(NotFoundError):
        s["ada"].delete(made["bo"]["private"].id)
    with pytest.raises(NotFoundError):
        s["cy"].update(made["bo"]["group:english-10b"].with_changes(note="x"))
    assert s["bo"].get(bos.id) == bos  # untouched by all of it
    mine = s["ada"].update(made["ada"]["public"].with_changes(note="edited", audience="private"))
    assert s["ada"].get(mine.id).note == "edited"
    with pytest.raises(NotFoundError):
        s["bo"].get(mine.id)
    assert [a.id for a in s["ada"].delete(mine.id)] == [mine.id]


def test_only_members_post_to_a_group(class_store, text):
    _, s = class_store
    with pytest.raises(
        PermissionDeniedError,
        match="'cy' is not a member of group 'english-10b'.*group add english-10b cy",
    ):
        s["cy"].add(ann(text, 900, "cy", "group:english-10b"))
    with pytest.raises(PermissionDeniedError, match="not a member of group 'nobody'"):
        s["ada"].add(ann(text, 900, "ada", "group:nobody"))
    assert s["ada"].add(ann(text, 900, "ada", "group:english-10b"))


def test_groups_are_managed_by_their_owner(store_url):
    with (
        Store(store_url, user="ms-lee") as lee,
        Store(store_url, user="ada") as ada,
        Store(store_url) as admin,
    ):
        lee.create_group("poetry-club")
        assert lee.groups() == [
            {
                "name": "poetry-club",
                "owner": "ms-lee",
                "created": lee.groups()[0]["created"],
                "members": ["ms-lee"],
            }
        ]
        assert lee.add_members("poetry-club", ["ada", "bo", "ada"]) == 2
        assert lee.add_members("poetry-club", ["ada"]) == 0
        with pytest.raises(PermissionDeniedError, match="only its owner .ms-lee. can"):
            ada.add_members("poetry-club", ["cy"])
        with pytest.raises(PermissionDeniedError):
            ada.delete_group("poetry-club")
        with pytest.raises(StoreError, match="already a group"):
            ada.create_group("poetry-club")
        with pytest.raises(NotFoundError, match="no group 'chess'"):
            lee.add_members("chess", ["ada"])
        with pytest.raises(AnnotationError, match="bad group name"):
            admin.create_group("Poetry Club")
        admin.create_group("staff")  # no owner: only unrestricted stores manage it
        with pytest.raises(PermissionDeniedError, match="an administrator"):
            lee.add_members("staff", ["ada"])
        assert [g["name"] for g in admin.groups()] == ["poetry-club", "staff"]
        assert [g["name"] for g in ada.groups()] == ["poetry-club"] and ada.groups_of("ada") == [
            "poetry-club"
        ]
        assert lee.remove_members("poetry-club", ["bo", "zed"]) == 1
        lee.delete_group("poetry-club")
        assert lee.groups() == [] and admin.groups_of("ada") == []


def test_leaving_a_group_hides_its_annotations(store_url, text):
    with Store(store_url) as admin:
        admin.create_group("fans")
        admin.add_members("fans", ["ada", "bo"])
        a = admin.add(ann(text, 100, "ada", "group:fans"))
        with Store(store_url, user="bo") as bo:
            assert bo.count() == 1
            admin.remove_members("fans", ["bo"])
            assert bo.count() == 0
        with Store(store_url, user="ada") as ada:
            assert ada.get(a.id) == a  # its creator still sees it


def test_undo_of_a_delete_restores_other_readers_links(store_url, story, text):
    with Store(store_url) as admin:
        a = admin.add(ann(text, 100, "ada"))
        b = admin.add(ann(text, 300, "ada"))
        bos_link = admin.add(make_link("one-dance", a.id, b.id, creator="bo"))
    with Store(store_url, user="ada") as ada:
        reading = Reading(story, ada, "ada")
        gone = reading.delete(a.id)
        assert [g.id for g in gone] == [a.id, bos_link.id]  # a link to nothing means nothing
        assert reading.undo() == "delete"
        assert ada.get(bos_link.id) == bos_link and ada.get(a.id) == a
        # ...but only as it was: the store does not take bo's annotations otherwise.
        with pytest.raises(PermissionDeniedError):
            ada.add(bos_link.with_changes(id="urn:uuid:forged", note="forged"))


def test_a_reading_acts_as_the_stores_user(store_url, story):
    with Store(store_url, user="ada") as ada:
        with pytest.raises(PermissionDeniedError, match="open for 'ada'"):
            Reading(story, ada, "bo")
        reading = Reading(story, ada, "ada")
        a = reading.annotate(10, 40, tropes=["matchmaker"], audience="private")
        assert a.audience == "private"
        assert reading.edit(a.id, audience="public").audience == "public"
        with pytest.raises(AnnotationError, match="bad audience"):
            reading.annotate(10, 40, tropes=["matchmaker"], audience="friends")


def test_dismissals_are_the_readers_own(store_url):
    from annotator.suggest import dismiss

    class S:
        story, paragraph, trope, generator = "one-dance", "p3", "slow-dance", "annotator-suggest"

    with Store(store_url, user="ada") as ada:
        dismiss(S(), "ada", ada)
        with pytest.raises(PermissionDeniedError):
            dismiss(S(), "bo", ada)
        with pytest.raises(PermissionDeniedError):
            ada.dismissals("one-dance", "bo")
        assert len(ada.dismissals("one-dance", "ada")) == 1


def test_audience_round_trips_through_w3c_and_is_validated(text):
    a = ann(text, 100, "ada", "group:english-10b")
    w3c = to_w3c(a)
    assert w3c["annotator:audience"] == "group:english-10b" and from_w3c(w3c) == a
    assert "annotator:audience" not in to_w3c(ann(text, 100, "ada"))  # public: files unchanged
    assert from_w3c(to_w3c(ann(text, 100, "ada"))).audience == "public"
    with pytest.raises(Exception, match="bad audience 'everyone'"):
        from_w3c({**w3c, "annotator:audience": "everyone"})


def test_a_bad_user_name_is_refused(store_url):
    with pytest.raises(StoreError, match="bad user name"):
        Store(store_url, user="  ")
    with Store(store_url, user=" ada ") as s:
        assert s.user == "ada" and "as 'ada'" in repr(s)
