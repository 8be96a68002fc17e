from chalicelib.webhooks.form_fields import structure_pairs


def test_repeated_keys_become_arrays_in_order() -> None:
    # C07
    assert structure_pairs([("tag", "alpha"), ("tag", "beta"), ("tag", ""), ("id", "7")]) == {
        "tag": ["alpha", "beta", ""], "id": "7"}


def test_brackets_nest() -> None:
    # C22
    pairs = [("event", "signup"), ("email", "user@example.com"), ("tags[]", "a"), ("tags[]", "b"),
             ("meta[source]", "ads"), ("empty", "")]
    assert structure_pairs(pairs) == {"event": "signup", "email": "user@example.com", "tags": ["a", "b"],
                                      "meta": {"source": "ads"}, "empty": ""}
    assert structure_pairs([("a[b][c]", "1"), ("a[b][d]", "2")]) == {"a": {"b": {"c": "1", "d": "2"}}}
    assert structure_pairs([("items[][sku]", "A"), ("items[][sku]", "B")]) == {
        "items": [{"sku": "A"}, {"sku": "B"}]}


def test_conflicting_keys_are_kept_literally_and_nothing_is_lost() -> None:
    assert structure_pairs([("a", "1"), ("a[b]", "2")]) == {"a": "1", "a[b]": "2"}
    assert structure_pairs([("a[b]", "1"), ("a[]", "2")]) == {"a": {"b": "1"}, "a[]": "2"}
