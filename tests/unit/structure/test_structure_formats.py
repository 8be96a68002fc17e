"""The string formats recognised when learning and checked when validating."""
from __future__ import annotations

import pytest

from chalicelib.structure.formats import formats_of


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-05-15T15:20:38Z", {"date-time"}),
        ("2021-09-08T00:15:08.000Z", {"date-time"}),
        ("2021-09-08T00:15:08+02:00", {"date-time"}),
        ("2021-02-29T00:00:00Z", set()),  # not a leap year
        ("2019-05-15", set()),
        ("1477958101.000004", set()),
        ("1567096760967", set()),
        ("octocat@github.com", {"email"}),
        ("21031067+Codertocat@users.noreply.github.com", {"email"}),
        ("Jane Doe <janedoe@example.com>", set()),
        ("git@github.com:Codertocat/Hello-World.git", set()),
        ("https://api.github.com/repos/Codertocat/Hello-World{/number}", {"uri"}),
        ("git://github.com/Codertocat/Hello-World.git", {"uri"}),
        ("mailto:octocat@github.com", {"uri"}),
        ("12:30", set()),
        ("Re:x", set()),
        ("", set()),
    ],
)
def test_strings_fit_only_the_formats_they_really_have(value: str, expected: set[str]) -> None:
    # Given a string from a real payload or a look-alike
    # When its formats are recognised
    # Then only the real ones are found
    assert formats_of(value) == expected
