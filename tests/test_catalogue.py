"""The catalogue loads into a typed object; every problem is named by YAML path."""

import copy

import pytest
import yaml

import evaluation as ev
from evaluation.catalogue import COMPOSITE

from .conftest import ROOT, TINY


def paths(raw) -> dict[str, str]:
    with pytest.raises(ev.CatalogueError) as info:
        ev.parse_catalogue(raw, file="indicators.yaml")
    problems = info.value.problems
    assert (problems["file"] == "indicators.yaml").all()
    return dict(zip(problems["path"], problems["rule"], strict=True))


def test_bundled_catalogue_meets_the_brief(catalogue):
    assert len(catalogue.indicators) >= 24
    top = catalogue.top_dimensions()
    assert top == ["efficiency", "cost", "tasks", "satisfaction", "law"]
    assert catalogue.nodes["depth"].max() >= 3  # dimension → sub-dimension → indicator
    table = catalogue.table
    assert set(table["frequency"]) == {
        "monthly",
        "bimonthly",
        "quarterly",
        "half_year",
        "annual",
    }
    assert set(table["rollup"]) == {"mean", "sum", "last", "weighted_mean"}
    assert set(table["normalisation"]) == {"minmax", "goalposts", "zscore", "target"}
    assert set(table["direction"]) == {"higher", "lower"}
    assert table[["name_zh", "name_en"]].notna().all().all()
    # sum_to_one: each sibling set sums to 1, so local weights equal the YAML weights
    nodes = catalogue.nodes
    assert nodes["local_weight"].to_numpy() == pytest.approx(nodes["weight"].to_numpy())


def test_catalogue_hash_ignores_yaml_layout(tmp_path, catalogue):
    raw = yaml.safe_load((ROOT / "indicators.yaml").read_text(encoding="utf-8"))
    (tmp_path / "c.yaml").write_text(
        yaml.safe_dump(raw, allow_unicode=True, indent=4), encoding="utf-8"
    )
    assert ev.load_catalogue(tmp_path / "c.yaml").sha256 == catalogue.sha256
    raw["indicators"][0]["weight"] = 0.5
    raw["indicators"][1]["weight"] = 0.2
    assert ev.parse_catalogue(raw).sha256 != catalogue.sha256


def test_catalogue_hash_is_of_what_is_written_not_of_the_defaults(catalogue):
    """A default written out (or a new option of a later version, at its default)
    leaves the hash alone, so a stored run stays reproducible across versions."""
    raw = yaml.safe_load((ROOT / "indicators.yaml").read_text(encoding="utf-8"))
    raw["dimensions"][0]["weights"] = {"method": "manual"}  # the default, stated
    raw["indicators"][0]["transform"] = "none"  # the default, stated
    assert ev.parse_catalogue(raw).sha256 == catalogue.sha256


def test_every_problem_is_reported_at_once_with_its_path(tiny_raw):
    inds = tiny_raw["indicators"]
    inds[0]["weight"] = -1
    inds[1]["normalisation"] = {"method": "goalposts", "worst": 0, "best": 10}  # lower!
    inds[2]["risk"] = {"yellow": 80, "orange": 90, "red": 70}
    inds[3]["frequency"] = "weekly"
    del inds[3]["unit_en"]
    inds[2]["normalisation"] = {"method": "softmax"}
    found = paths(tiny_raw)
    assert set(found) == {
        "indicators[0].weight",
        "indicators[1].normalisation.best",
        "indicators[2].normalisation",
        "indicators[3].frequency",
        "indicators[3].unit_en",
    }
    assert "greater than 0" in found["indicators[0].weight"]
    assert "best must be less than worst" in found["indicators[1].normalisation.best"]


def test_thresholds_must_follow_the_direction(tiny_raw):
    tiny_raw["indicators"][0]["risk"] = {"yellow": 80, "orange": 90, "red": 70}
    tiny_raw["indicators"][1]["risk"] = {"yellow": 5, "orange": 4}  # lower: must rise
    found = paths(tiny_raw)
    assert found["indicators[0].risk.orange"].startswith(
        "thresholds must be ordered yellow > orange > red for a higher-is-better"
    )
    assert "indicators[1].risk.orange" in found


def test_target_and_ranges(tiny_raw):
    tiny_raw["indicators"][0]["valid"] = {"min": 10, "max": 5}
    tiny_raw["indicators"][2]["target"] = 150  # outside [0, 100]
    del tiny_raw["indicators"][3]["rollup"]
    tiny_raw["indicators"][3]["normalisation"] = {"method": "target"}  # no target
    found = paths(tiny_raw)
    assert set(found) >= {
        "indicators[0].valid.max",
        "indicators[2].target",
        "indicators[3].rollup",
    }


def test_structure_problems_unique_ids_parents_agencies(tiny_raw):
    tiny_raw["indicators"][1]["id"] = "a1"
    tiny_raw["indicators"][2]["parent"] = "nowhere"
    tiny_raw["indicators"][3]["agency"] = "ghost"
    found = paths(tiny_raw)
    assert found["indicators[1].id"] == "duplicate id, first at indicators[0]"
    assert found["indicators[2].parent"] == "parent must be a dimension id"
    assert found["indicators[3].agency"].startswith("unknown agency")


def test_cycles_and_childless_dimensions(tiny_raw):
    tiny_raw["dimensions"] += [
        {"id": "c", "name_zh": "丙", "name_en": "C", "weight": 1, "parent": "d"},
        {"id": "d", "name_zh": "丁", "name_en": "D", "weight": 1, "parent": "c"},
        {"id": "e", "name_zh": "戊", "name_en": "E", "weight": 1},
    ]
    found = paths(tiny_raw)
    assert "cycle in the hierarchy: c -> d -> c" in found["dimensions[2].parent"]
    assert found["dimensions[4].id"] == "dimension has no children"


def test_sum_to_one_catches_a_weight_typo(tiny_raw):
    tiny_raw["settings"]["sibling_weights"] = "sum_to_one"
    found = paths(tiny_raw)
    # tiny weights a1, a2 = 1, 1 (sum 2) and b1, b2 = 3, 1: both sets are reported
    assert {"indicators[1].weight", "indicators[3].weight"} <= set(found)
    assert "must sum to 1" in found["indicators[1].weight"]


def test_a_forgotten_weight_is_said_under_either_sibling_rule(tiny_raw):
    """A weight left out counts 1. With ``sum_to_one`` the sum says so and names
    the child (a: 0.6, b left out: 1.6). With ``renormalise`` a set with a weight
    written for some children only is refused at each child left out (b2 beside
    b1's 1 would have half of b); a set with none written (equal weights) loads,
    and so does a stored run's catalogue."""
    summed = copy.deepcopy(tiny_raw)
    summed["settings"]["sibling_weights"] = "sum_to_one"
    del summed["dimensions"][1]["weight"]
    for ind, w in zip(summed["indicators"], (0.5, 0.5, 0.5, 0.5), strict=True):
        ind["weight"] = w
    found = paths(summed)
    assert found == {
        "dimensions[1].weight": "weights of the children of the composite must sum "
        "to 1 (settings.sibling_weights: sum_to_one): a 0.6, b not written; no "
        "weight written for b, counted as 1 in the sum"
    }
    del tiny_raw["indicators"][3]["weight"]
    found = paths(tiny_raw)
    assert found == {
        "indicators[3].weight": "no weight written, so it counts as 1, while the "
        "other children of b (b1) have theirs (settings.sibling_weights: "
        "renormalise): write this one's weight, or none of them (equal weights)"
    }
    assert ev.parse_catalogue(tiny_raw, stored=True).nodes.loc["b2", "weight"] == 1
    del tiny_raw["indicators"][2]["weight"]
    nodes = ev.parse_catalogue(tiny_raw).nodes
    assert nodes.loc[["b1", "b2"], "local_weight"].tolist() == [0.5, 0.5]


def test_a_name_with_spaces_at_its_ends_or_a_full_width_space_is_refused(tiny_raw):
    """Names go to the media CSV and the dashboard as typed: a space copied at an
    end, a full-width space (U+3000) typed between words by a Chinese input method,
    are said with the name quoted; a space inside an English name is a space. A
    stored run's catalogue is read as it was scored."""
    tiny_raw["dimensions"][0]["name_zh"] = "营商环境\u3000评价指数"
    tiny_raw["dimensions"][1]["name_en"] = "B "
    tiny_raw["agencies"][0]["name_zh"] = "\u3000办公室\u3000甲"
    tiny_raw["name_en"] = "Test catalogue, two words"
    found = paths(tiny_raw)
    assert found == {  # English quotes as Python does: U+3000 written \u3000
        "dimensions[0].name_zh": r"the name '营商环境\u3000评价指数' has a full-width "
        "space (U+3000); delete it, or type an ordinary space",
        "dimensions[1].name_en": "the name 'B ' has spaces at its start or end; "
        "delete them",
        "agencies[0].name_zh": r"the name '\u3000办公室\u3000甲' has a full-width "
        "space (U+3000); delete it, or type an ordinary space",  # and its ends
    }
    with pytest.raises(ev.CatalogueError) as info:
        ev.parse_catalogue(tiny_raw)
    zh = info.value.problems.set_index("path")["rule_zh"]
    assert zh["dimensions[0].name_zh"] == (
        "名称“营商环境\u3000评价指数”中有全角空格（U+3000），请删去，或改为半角空格"
    )
    assert zh["dimensions[1].name_en"] == (
        "名称“B ”开头或末尾有空格（引号内是原样内容），请删去空格"
    )
    assert zh["agencies[0].name_zh"].tolist() == [
        "名称“\u3000办公室\u3000甲”开头或末尾有空格（引号内是原样内容），请删去空格",
        "名称“\u3000办公室\u3000甲”中有全角空格（U+3000），请删去，或改为半角空格",
    ]
    stored = ev.parse_catalogue(tiny_raw, stored=True)
    assert (
        stored.name("b") == "B "
        and stored.name("office", "zh") == "\u3000办公室\u3000甲"
    )


def test_a_name_of_spaces_alone_is_said_to_be_blank(tiny_raw):
    """A name that is only a full-width space (an input method's) or a space: not
    "delete the spaces at its ends", which leaves no name and a second run to be
    told it is empty, but that the name is to be written."""
    tiny_raw["dimensions"][0]["name_zh"] = "\u3000"
    tiny_raw["dimensions"][1]["name_en"] = " "
    with pytest.raises(ev.CatalogueError) as info:
        ev.parse_catalogue(tiny_raw)
    said = info.value.problems.set_index("path")
    assert said.loc["dimensions[0].name_zh", "rule_zh"] == (
        "名称“\u3000”只有空格，没有文字：请填写名称"
    )
    assert said.loc["dimensions[1].name_en", "rule"] == (
        "the name ' ' is only spaces: write the name"
    )


def test_a_number_in_a_problem_is_said_as_the_file_has_it(tiny_raw):
    """90 typed is said 90 (not 90.0) in the rule and as the value found, in both
    languages; a number too small for six decimals keeps its digits (1e-07, not
    0)."""
    tiny_raw["indicators"][0]["target"] = 120  # a1's valid range is [0, 100]
    tiny_raw["indicators"][1]["valid"] = {"min": 0.0000001, "max": 0.00000001}
    with pytest.raises(ev.CatalogueError) as info:
        ev.parse_catalogue(tiny_raw)
    got = info.value.problems.set_index("path")
    assert got.loc["indicators[0].target", ["value", "rule", "rule_zh"]].tolist() == [
        "120",
        "must lie in valid range [0, 100]",
        "须在有效范围[0, 100]之内",
    ]
    assert got.loc["indicators[1].valid.max", ["value", "rule"]].tolist() == [
        "1e-08",
        "must be greater than min 1e-07",
    ]


def test_weights_written_as_percentages_are_told_to_be_fractions(tiny_raw):
    """A weight typed 20% gets the fraction to write (0.2), not only 须为数字; a
    set of weights summing to 100 under sum_to_one is said to look like
    percentages (a: 60 → 0.6). "abc%" is no number: 须为数字 alone."""
    raw = copy.deepcopy(tiny_raw)
    raw["indicators"][0]["weight"] = "20%"
    raw["indicators"][1]["weight"] = "12.5％"  # a full-width percent sign
    raw["indicators"][2]["weight"] = "abc%"
    with pytest.raises(ev.CatalogueError) as info:
        ev.parse_catalogue(raw)
    got = info.value.problems.set_index("path")
    assert got.loc["indicators[0].weight", ["value", "rule", "rule_zh"]].tolist() == [
        "20%",
        "must be a number: write a weight as a fraction, 0.2, not 20%",
        "须为数字：权重须写作小数，如0.2，而不是20%",
    ]
    assert got.loc["indicators[1].weight", "rule_zh"] == (
        "须为数字：权重须写作小数，如0.125，而不是12.5％"
    )
    assert got.loc["indicators[2].weight", "rule_zh"] == "须为数字"
    tiny_raw["settings"]["sibling_weights"] = "sum_to_one"
    tiny_raw["dimensions"][0]["weight"] = 60
    tiny_raw["dimensions"][1]["weight"] = 40
    for ind in tiny_raw["indicators"]:
        ind["weight"] = 0.5
    with pytest.raises(ev.CatalogueError) as info:
        ev.parse_catalogue(tiny_raw)
    got = info.value.problems
    assert got[["path", "value", "rule_zh"]].values.tolist() == [
        [
            "dimensions[1].weight",
            "100",
            "综合得分的下级指标权重之和须为1（settings.sibling_weights: "
            "sum_to_one）：a 60、b 40；各权重似按百分数填写：权重须写作小数，合计为1"
            "（如60写作0.6）",
        ]
    ]
    assert got["rule"][0].endswith(
        "; the weights look like percentages: write each as a fraction, summing to 1 "
        "(60 as 0.6)"
    )


def test_a_rule_naming_an_unknown_node_is_said_beside_a_weight_typo(tiny_raw):
    """An office edits two things at once: a sibling weight (sum 1.1) and a warning
    rule's node (``costs`` for ``b``). Both are said in one pass, not the rule only
    after the weight is fixed."""
    tiny_raw["settings"]["sibling_weights"] = "sum_to_one"
    for ind, w in zip(tiny_raw["indicators"], (0.5, 0.6, 0.5, 0.5), strict=True):
        ind["weight"] = w  # a: 0.5 + 0.6 = 1.1; b: 1
    tiny_raw["risk"] = {"rules": [{"kind": "rollup", "node": "costs", "worst": 1}]}
    found = paths(tiny_raw)
    assert set(found) == {"indicators[1].weight", "risk.rules[0].node"}
    assert found["risk.rules[0].node"] == "must be a dimension id"


def test_ids_are_checked_beside_the_fields_own_faults(tiny_raw):
    """A bad weight (a field's own fault) does not hide what ids say: a warning
    rule's unknown node and a duplicate code are said in the same pass. A field at
    fault is said once, by its own fault (a missing agency is not also unknown)."""
    tiny_raw["dimensions"][0]["weight"] = -0.6
    tiny_raw["indicators"][1]["id"] = "a1"  # a duplicate code
    tiny_raw["indicators"][3]["weight"] = "20%"
    del tiny_raw["indicators"][2]["agency"]
    tiny_raw["events"] = [{"id": "accident", "name_zh": "事故", "name_en": "Accident"}]
    tiny_raw["risk"] = {
        "rules": [
            {"kind": "rollup", "node": "costs", "worst": 1},
            {"kind": "event", "events": ["accident", "fire"]},
            {"kind": "threshold", "node": "a", "red": "low"},  # its own fault only
        ]
    }
    found = paths(tiny_raw)
    assert set(found) == {
        "dimensions[0].weight",
        "indicators[1].id",
        "indicators[2].agency",
        "indicators[3].weight",
        "risk.rules[0].node",
        "risk.rules[1].events[1]",
        "risk.rules[2].red",
    }
    assert found["indicators[1].id"] == "duplicate id, first at indicators[0]"
    assert found["risk.rules[0].node"] == "must be a dimension id"
    assert found["indicators[2].agency"] == "Field required"


def zh_paths(raw) -> dict[str, str]:
    """:func:`paths` with each rule in Chinese."""
    with pytest.raises(ev.CatalogueError) as info:
        ev.parse_catalogue(raw, file="indicators.yaml")
    problems = info.value.problems
    return dict(zip(problems["path"], problems["rule_zh"], strict=True))


def test_a_bad_direction_does_not_hide_sibling_weights_off_one(tiny_raw):
    """Two faults in one catalogue, both said in one pass: a direction that is not
    one (a field's own fault) and b's children's weights summing to 0.7 + 0.5 = 1.2
    (sum_to_one), said at b's last child, b2 (indicators[3]). a's sum to 0.5 + 0.5."""
    tiny_raw["settings"]["sibling_weights"] = "sum_to_one"
    for ind, w in zip(tiny_raw["indicators"], (0.5, 0.5, 0.7, 0.5), strict=True):
        ind["weight"] = w
    tiny_raw["indicators"][0]["direction"] = "up"
    found = paths(tiny_raw)
    assert found == {
        "indicators[0].direction": "must be one of: higher, lower",
        "indicators[3].weight": "weights of the children of b must sum to 1 "
        "(settings.sibling_weights: sum_to_one): b1 0.7, b2 0.5",
    }
    assert zh_paths(tiny_raw) == {
        "indicators[0].direction": "须为以下之一：higher、lower",
        "indicators[3].weight": "b的下级指标权重之和须为1"
        "（settings.sibling_weights: sum_to_one）：b1 0.7、b2 0.5",
    }


def test_a_weight_at_fault_leaves_the_other_sibling_sets_checked(tiny_raw):
    """A weight that is not a number (``"20%"``) is said by itself, and its siblings'
    sum is not said (it cannot be added); the other sets' sums still are: the
    dimensions' 0.6 + 0.6 = 1.2, said at the last, b (dimensions[1]). A weight
    left out of a renormalised set is said beside a bad frequency too."""
    tiny_raw["settings"]["sibling_weights"] = "sum_to_one"
    tiny_raw["dimensions"][1]["weight"] = 0.6
    for ind, w in zip(tiny_raw["indicators"], (0.5, 0.5, "20%", 0.5), strict=True):
        ind["weight"] = w
    found = paths(tiny_raw)
    assert set(found) == {"indicators[2].weight", "dimensions[1].weight"}
    assert found["dimensions[1].weight"] == (
        "weights of the children of the composite must sum to 1 "
        "(settings.sibling_weights: sum_to_one): a 0.6, b 0.6"
    )
    renormalised = copy.deepcopy(TINY)
    del renormalised["indicators"][1]["weight"]  # a1 has one: a2's counts 1
    renormalised["indicators"][3]["frequency"] = "weekly"
    assert set(paths(renormalised)) == {
        "indicators[1].weight",
        "indicators[3].frequency",
    }


def test_sibling_sums_wait_when_what_they_read_is_at_fault(tiny_raw):
    """Which children a node has (their parent) and how it weights them (its
    ``weights``) must be read first: at fault, no sum is said, only that fault."""
    tiny_raw["settings"]["sibling_weights"] = "sum_to_one"
    tiny_raw["dimensions"][1]["weight"] = 0.6  # 0.6 + 0.6 = 1.2
    no_parent = copy.deepcopy(tiny_raw)
    del no_parent["indicators"][0]["parent"]
    assert set(paths(no_parent)) == {"indicators[0].parent"}
    tiny_raw["dimensions"][0]["weights"] = {"method": "magic"}
    assert set(paths(tiny_raw)) == {"dimensions[0].weights.method"}


def sample_problems(tmp_path, *edits) -> dict[str, object]:
    """The sample ``indicators.yaml`` with ``edits`` (text, replacement) made, loaded:
    each problem's path and value."""
    text = (ROOT / "indicators.yaml").read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "indicators.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ev.CatalogueError) as info:
        ev.load_catalogue(path)
    problems = info.value.problems
    return dict(zip(problems["path"], problems["value"], strict=True))


COMPLAINTS = "{id: efficiency.complaints, parent: efficiency, weight: 0.4,"


def test_a_mistyped_parent_is_one_problem_not_two_wrong_sums(tmp_path):
    """efficiency.complaints (dimensions[6], weight 0.4) under ``efficency``: the
    typo alone is said. Under the unknown id it is alone (0.4, not a set of
    efficency's), and efficiency keeps efficiency.approval's 0.6, short of 1 by the
    stray's 0.4 exactly. So too an indicator's typo (complaint_handling_rate,
    0.4, out of efficiency.complaints: 0.3 + 0.3 left), and beside a field's own
    fault (hotline_response_rate's direction ``up``), where the sums are read
    from the entries one by one."""
    typo = (COMPLAINTS, COMPLAINTS.replace("parent: efficiency", "parent: efficency"))
    assert sample_problems(tmp_path, typo) == {"dimensions[6].parent": "efficency"}
    indicator = (
        "complaint_handling_rate\n    parent: efficiency.complaints\n",
        "complaint_handling_rate\n    parent: efficiency.complaint\n",
    )
    assert sample_problems(tmp_path, indicator) == {
        "indicators[3].parent": "efficiency.complaint"
    }
    direction = (
        'tickets assigned, × 100%\n    unit_zh: "%"\n    unit_en: "%"\n'
        "    direction: higher\n",
        'tickets assigned, × 100%\n    unit_zh: "%"\n    unit_en: "%"\n'
        "    direction: up\n",
    )
    assert set(sample_problems(tmp_path, typo, direction)) == {
        "dimensions[6].parent",
        "indicators[5].direction",
    }


def test_a_mistyped_parent_leaves_the_sums_it_cannot_mend_said(tmp_path):
    """A sum off 1 whichever set the stray belongs to is still said: cost's
    children 0.6 + 0.5 = 1.1 (at cost.operation, dimensions[8]), and efficiency's
    0.5 + 0.4 = 0.9 with efficiency.complaints back, 0.5 without it (said 0.5,
    at efficiency.approval, dimensions[5])."""
    typo = (COMPLAINTS, COMPLAINTS.replace("parent: efficiency", "parent: efficency"))
    cost = (
        "{id: cost.funds, parent: cost, weight: 0.5,",
        "{id: cost.funds, parent: cost, weight: 0.6,",
    )
    assert sample_problems(tmp_path, typo, cost) == {
        "dimensions[6].parent": "efficency",
        "dimensions[8].weight": "1.1",
    }
    approval = (
        "{id: efficiency.approval, parent: efficiency, weight: 0.6,",
        "{id: efficiency.approval, parent: efficiency, weight: 0.5,",
    )
    assert sample_problems(tmp_path, typo, approval) == {
        "dimensions[6].parent": "efficency",
        "dimensions[5].weight": "0.5",
    }


def test_children_of_an_unknown_parent_are_no_sibling_set(tiny_raw):
    """a1 and a2 both under ``nowhere``, a2's weight left out (renormalise): their
    parents are said, not a weight missing among nowhere's children."""
    for ind in tiny_raw["indicators"][:2]:
        ind["parent"] = "nowhere"
    del tiny_raw["indicators"][1]["weight"]
    assert set(paths(tiny_raw)) == {"indicators[0].parent", "indicators[1].parent"}


def test_any_depth_of_hierarchy(tiny_raw):
    raw = copy.deepcopy(tiny_raw)
    raw["dimensions"] += [
        {"id": "a.x", "parent": "a", "name_zh": "甲一", "name_en": "A-x", "weight": 1},
        {
            "id": "a.x.y",
            "parent": "a.x",
            "name_zh": "甲一一",
            "name_en": "A-x-y",
            "weight": 1,
        },
    ]
    raw["indicators"][0]["parent"] = "a.x.y"
    catalogue = ev.parse_catalogue(raw)
    assert catalogue.nodes.loc["a1", "depth"] == 4
    assert catalogue.nodes.loc["a2", "depth"] == 2


def test_reserved_and_malformed_ids(tiny_raw):
    broken = copy.deepcopy(tiny_raw)
    broken["indicators"][1]["id"] = "Has Space"
    assert "should match pattern" in paths(broken)["indicators[1].id"]
    tiny_raw["indicators"][0]["id"] = COMPOSITE
    assert "reserved" in paths(tiny_raw)["indicators[0].id"]


def test_empty_sections(tiny_raw):
    tiny_raw["indicators"] = []
    assert paths(tiny_raw)["indicators"] == "needs at least one entry"


def test_yaml_errors_and_missing_file(tmp_path):
    bad = tmp_path / "indicators.yaml"
    bad.write_text("id: x\nindicators: [\n", encoding="utf-8")
    with pytest.raises(ev.CatalogueError, match="not valid YAML") as info:
        ev.load_catalogue(bad)
    assert "line 3, column 1" in info.value.problems["rule"].item()
    with pytest.raises(ev.CatalogueError, match="file not found"):
        ev.load_catalogue(tmp_path / "missing.yaml")
    bad.write_bytes("id: 审批".encode("gb18030"))
    with pytest.raises(ev.CatalogueError, match="must be UTF-8"):
        ev.load_catalogue(bad)


def test_a_yaml_syntax_error_is_placed_in_chinese_words(tmp_path):
    """An unclosed ``[`` on line 2: the parser stops at line 3, column 8 (the colon
    after ``version``), and the office reads 第3行第8列 in the Chinese rule, not
    "line 3, column 8" in English before it (the path is left empty, as for the
    slips said with their own line)."""
    bad = tmp_path / "indicators.yaml"
    bad.write_text('id: x\nname_zh: [审批\nversion: "1"\n', encoding="utf-8")
    with pytest.raises(ev.CatalogueError) as info:
        ev.load_catalogue(bad)
    problem = info.value.problems.iloc[0]
    assert problem["path"] == ""
    assert problem["rule_zh"] == (  # where the [ opens: column 10 after "name_zh: "
        "第3行第8列：不是有效的 YAML 格式：第2行第10列开始的方括号“[”没有配对的“]”，"
        "或各项之间缺少逗号"
    )
    assert problem["rule"].startswith("line 3, column 8: not valid YAML (")
    assert "did not find expected ',' or ']'" in problem["rule"]  # the parser's


#: broken YAML, what the Chinese line says (written here by hand) and a phrase of
#: PyYAML's (libyaml's) English that the English line keeps
SYNTAX_SLIPS = {
    "a key indented one space less than its list item's": (
        "items:\n  - id: x\n    weight: 1\n   normalisation: minmax\n",
        "第4行第4列：不是有效的 YAML 格式：此行的缩进与上文不一致：此处应为列表项“- ”，"
        "或应与同一项的其他键左端对齐",
        "did not find expected '-' indicator",
    ),
    "a key indented one space less than its siblings": (
        "a:\n  - 1\n b: 3\n",
        "第3行第2列：不是有效的 YAML 格式：此行的缩进与上文不一致（同一层的键须"
        "左端对齐，只用空格缩进），或上一行的值之后多了内容",
        "did not find expected key",
    ),
    "a key indented one space more": (
        "a:\n  b: 1\n   c: 2\n",
        "第3行第5列：不是有效的 YAML 格式：此处不能有冒号：可能是此行缩进多了，"
        "或值中含有“: ”（含冒号的值请用引号括起来）",
        "mapping values are not allowed",
    ),
    "a quote not closed": (
        'x: 1\nname_zh: "审批\nb: 2\n',
        "第4行第1列：不是有效的 YAML 格式：第2行第10列开始的引号没有配对的结束引号",
        "found unexpected end of stream",
    ),
    "a brace not closed": (
        "a: {x: 1, y: 2\nb: 3\n",
        "第2行第2列：不是有效的 YAML 格式：第1行第4列开始的花括号“{”没有配对的“}”，"
        "或各项之间缺少逗号",
        "did not find expected ',' or '}'",
    ),
    "an alias to no anchor": (
        "a: *base\n",
        "第1行第4列：不是有效的 YAML 格式：引用了未定义的锚点："
        "别名 *name 之前须有 &name",
        "found undefined alias",
    ),
    "a value starting with @": (
        "a: @张三\n",
        "第1行第4列：不是有效的 YAML 格式：值不能以此字符开头（如 @、`、%）："
        "请把该值用引号括起来",
        "found character that cannot start any token",
    ),
    "a second document": (
        "a: 1\n---\nb: 2\n",
        "第2行第1列：不是有效的 YAML 格式：一个文件只能写一份配置：请删去多余的“---”或"
        "“...”行及其后的内容",
        "expected a single document",
    ),
    "a control character": (
        "a: 1\nb: \x07\n",
        "第2行第4列：不是有效的 YAML 格式：含有不可见的控制字符：请删去",
        "unacceptable character #x0007",
    ),
    "a directive no one writes": (
        "%YAML 2.0\n---\na: 1\n",
        "第1行第1列：不是有效的 YAML 格式：请检查此处的缩进、冒号、引号和括号",
        "found incompatible YAML document",
    ),
}


@pytest.mark.parametrize("slip", list(SYNTAX_SLIPS))
def test_a_yaml_syntax_error_is_explained_in_chinese(slip, tmp_path):
    """PyYAML's English stays on the English line only: the Chinese line says what
    is wrong in Chinese (before, 不是有效的 YAML 格式（did not find expected '-'
    indicator (while parsing a block collection)）), a generic sentence where the
    parser's problem is not one of the frequent ones."""
    text, zh, english = SYNTAX_SLIPS[slip]
    bad = tmp_path / "indicators.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ev.CatalogueError) as info:
        ev.load_catalogue(bad)
    problem = info.value.problems.iloc[0]
    assert problem["rule_zh"] == zh
    assert english in problem["rule"] and "\n" not in problem["rule"]


def test_a_catalogue_saved_in_gbk_is_named_by_its_line_in_chinese(tmp_path):
    """Notepad's 另存为 ANSI on a Chinese Windows writes GBK: the office is told the
    first line that is not UTF-8 (the third: the two above are ASCII) and that the
    file reads as GBK, not a byte offset in English."""
    bad = tmp_path / "indicators.yaml"
    bad.write_bytes("id: x\nversion: '1'\nname_zh: 审批\n".encode("gbk"))
    with pytest.raises(ev.CatalogueError) as info:
        ev.load_catalogue(bad)
    problem = info.value.problems.iloc[0]
    assert problem["rule_zh"] == (
        "须为 UTF-8 编码：第3行起不是 UTF-8，似为 GBK 编码（请另存为 UTF-8）"
    )
    assert problem["rule"] == "must be UTF-8: line 3 is not (GBK, it seems)"
    assert problem["value"] == ""


def test_unknown_fields_are_refused(tiny_raw):
    tiny_raw["indicators"][0]["wieght"] = 1
    found = paths(tiny_raw)
    assert found["indicators[0].wieght"] == "Extra inputs are not permitted"


@pytest.mark.parametrize("deep", [False, True])
def test_a_copy_derives_its_own_tree_and_leaves_the_originals(deep):
    """A catalogue copied with another minimum coverage (``model_copy(update=…)``,
    as a notebook tries a variant) scores with its own tree, and the original,
    which had scored first, keeps its own: the composite's required coverage is
    each one's ``settings.min_coverage`` (0.5 in indicators.yaml; 0.99 set here)."""
    from evaluation.scoring.aggregate import tree

    original = ev.load_catalogue(ROOT / "indicators.yaml")
    ids = [i.id for i in original.indicators]
    assert tree(original, ids)[-1].need == original.settings.min_coverage
    strict = original.model_copy(
        update={
            "settings": original.settings.model_copy(update={"min_coverage": 0.99})
        },
        deep=deep,
    )
    assert tree(strict, ids)[-1].id == COMPOSITE
    assert tree(strict, ids)[-1].need == 0.99
    assert tree(original, ids)[-1].need == original.settings.min_coverage != 0.99
    assert strict.table is not original.table  # the cached tables, its own too


def test_a_catalogue_sent_to_another_process_arrives_equal_and_underived():
    """Pickled after scoring (its cached tables and tree filled), a catalogue is
    read back equal to the one sent, with nothing derived carried along."""
    import pickle

    from evaluation.scoring.aggregate import tree

    sent = ev.load_catalogue(ROOT / "indicators.yaml")
    tree(sent, [i.id for i in sent.indicators])
    sent.table  # noqa: B018 (a cached table, filled)
    back = pickle.loads(pickle.dumps(sent))
    assert back == sent
    assert "memo" not in back.__dict__ and "table" not in back.__dict__
    assert back.sha256 == sent.sha256 and back.source_path == sent.source_path
