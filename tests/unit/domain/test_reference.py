from functions.forms.domain.reference import ALPHABET, is_reference, new_reference


def test_references_are_8_unambiguous_characters():
    for _ in range(500):
        reference = new_reference()
        assert len(reference) == 8
        assert is_reference(reference)
        assert not set(reference) & set("0O1IQZ")


def test_references_are_random_not_sequential():
    references = [new_reference() for _ in range(2000)]
    assert len(set(references)) == len(references)
    assert references != sorted(references)
    assert len({r[0] for r in references}) > len(ALPHABET) // 2


def test_is_reference_refuses_look_alikes_and_other_shapes():
    assert not is_reference("ABCDEFG0")
    assert not is_reference("abcdefgh")
    assert not is_reference("ABCDEFGHJ")
