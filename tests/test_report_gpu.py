"""Study 9 (CPU against GPU) reads committed GPU CSVs by kind and decides its gap claim from the rows alone.

Synthetic rows and files in a temporary folder; no GPU and no timing is needed.
"""

from __future__ import annotations

import csv

from adcompare.report.studies import gpu
from adcompare.report.study import Context, Scale


def test_files_are_found_by_kind_and_an_earlier_folder_wins(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for d in (first, second):
        d.mkdir()
        for kind in ("scaling", "compile_sequence", "memory"):
            (d / f"gpu_Dev_{kind}.csv").write_text("tool\n")
    (second / "gpu_Other_scaling.csv").write_text("tool\n")
    files = gpu.gpu_files([first, second])
    found = [p.parent.name + "/" + p.name for p in files["scaling"]]
    assert found == ["a/gpu_Dev_scaling.csv", "b/gpu_Other_scaling.csv"]
    assert [p.parent.name for p in files["compile_sequence"]] == ["a"]
    assert files["higher_order"] == [] and files["overhead"] == []
    assert "memory" not in files  # peaks are not reported from GPU files (see the study's text)


def pairs(cells):
    return {("p", str(k)): {tool: ratios for tool, ratios in by_tool.items()} for k, by_tool in enumerate(cells)}


def test_gap_claim_verdicts():
    narrower = {"overloading": (10.0, 4.0), "sct": (3.0, 3.0)}  # spread 3.33 on the CPU, 1.33 on the GPU
    wider = {"overloading": (4.0, 10.0), "sct": (3.0, 3.0)}
    holds = gpu.gap_claim(pairs([narrower] * 3 + [wider]), "Dev")
    assert holds.verdict == "holds" and "3/4" in holds.evidence and "Dev" in holds.evidence
    assert gpu.gap_claim(pairs([narrower, wider, wider]), "Dev").verdict == "partly"
    assert gpu.gap_claim(pairs([wider] * 4 + [narrower]), "Dev").verdict == "does not hold"
    lone = gpu.gap_claim(pairs([{"sct": (3.0, 2.0)}]), "Dev")  # one tool in a cell has no spread
    assert lone.verdict == "not measured"


def write(path, rows):
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(dict.fromkeys(k for r in rows for k in r)))
        w.writeheader()
        w.writerows(rows)


def test_study_labels_gpu_numbers_with_their_device_and_pairs_them_with_the_cpu(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setattr(gpu, "REPO_DATA", tmp_path / "nowhere")
    row = {"problem": "mlp", "size": "small", "mode": "grad", "status": "ok", "derivative_s": 0.002}
    write(data / "gpu_Dev_scaling.csv", [dict(row, tool="sct", ratio=4.0, gpu="Dev One"),
                                         dict(row, tool="overloading", ratio=4.5, gpu="Dev One")])
    write(data / "scaling.csv", [dict(row, tool="sct", ratio=3.0), dict(row, tool="overloading", ratio=9.0)])
    section = gpu.run(Context(Scale("smoke"), data, tmp_path / "figures", None))
    assert "Dev One grad/f" in section.markdown and "| 4.00 |" in section.markdown and "| 9.00 |" in section.markdown
    (claim,) = section.claims
    assert claim.verdict == "holds" and "1/1" in claim.evidence  # 3.0 -> 1.125


def test_no_gpu_files_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(gpu, "REPO_DATA", tmp_path / "nowhere")
    section = gpu.run(Context(Scale("smoke"), tmp_path, tmp_path / "figures", None))
    assert "states no GPU number" in section.markdown and section.claims[0].verdict == "not measured"
