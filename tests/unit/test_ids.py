from chalicelib.ids import item_id_time, new_hook_id, new_item_id, new_mail_token, new_url_token


def test_item_ids_sort_by_arrival_even_within_one_millisecond() -> None:
    ids = [new_item_id(2_500_000_000.0) for _ in range(1000)] + [new_item_id(2_500_000_000.002)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert abs(item_id_time(ids[-1]) - 2_500_000_000.002) < 0.001


def test_tokens_are_long_random_and_of_their_alphabet() -> None:
    url_tokens = {new_url_token() for _ in range(100)}
    assert len(url_tokens) == 100 and all(len(t) == 32 for t in url_tokens)  # 192 bits
    mail = new_mail_token()
    assert mail == mail.lower() and len(mail) == 26  # 130 bits
    assert new_hook_id().startswith("hk_")
