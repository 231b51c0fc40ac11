import pytest

from transforms.catalogue.labels import normalise_group, normalise_label


@pytest.mark.parametrize(
    ("printed", "key"),
    [
        ("其中：1.专职人员数", "专职人员数"),
        ("  其中： ①信息不存在数", "信息不存在数"),
        ("\u00a0\u00a0\u00a0Ⅱ纠错数", "纠错数"),
        ("其中：Ⅰ维持行为数", "维持行为数"),
        ("3.乡（镇）公开信息数*", "乡(镇)公开信息数"),
        ("政府信息公开申请数 ", "政府信息公开申请数"),
        ("其中，1.网上申请数", "网上申请数"),
        ("其中 ; 1.政府网站公开数", "政府网站公开数"),  # OCR reads "：" as ";"
    ],
)
def test_label_keys_drop_markers_and_padding(printed, key):
    assert normalise_label(printed) == key


def test_circled_markers_are_removed_before_nfkc():
    # NFKC would turn ① into 1 and leave "1信息不存在数"; the marker must go first.
    assert normalise_label("①信息不存在数") == "信息不存在数"


def test_wrapped_group_labels_join():
    assert normalise_group("公开的\n及时性") == normalise_group("公开的及时性")
