"""`litreview eval` reports the claim verifier per split and holds its floors."""

from __future__ import annotations

import json
from pathlib import Path

from support import settings_for

from assistant.evaluation import check_thresholds, verification_metrics
from assistant.store import Store

VAD = "VAD: Vectorized Scene Representation for Efficient Autonomous Driving"
FLASHFFT = "FlashFFTConv: Efficient Convolutions for Long Sequences with Tensor Cores"


def test_verification_metrics_per_split_from_a_claims_folder(tmp_path: Path, seeded_home: Path) -> None:
    rows = [
        {"id": "s1", "title": VAD, "claim": "VAD-Base reduces the average collision rate by 29.0% and runs 2.5x "
                                            "faster.", "label": "supported", "kind": "paraphrase"},
        {"id": "s2", "title": FLASHFFT, "claim": "FlashFFTConv speeds up exact FFT convolutions by up to 7.93 "
                                                 "times over PyTorch.", "label": "supported", "kind": "paraphrase"},
        {"id": "c1", "title": VAD, "claim": "VAD-Base reduces the average collision rate by 12.5%.",
         "label": "contradicted", "kind": "wrong_figure"},
        {"id": "c2", "title": FLASHFFT, "claim": "FlashFFTConv speeds up exact FFT convolutions by up to 20 times "
                                                 "over PyTorch.", "label": "contradicted", "kind": "wrong_figure"},
    ]
    (tmp_path / "dev.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    store = Store.open(settings_for(seeded_home))
    try:
        got = verification_metrics(store, tmp_path)
    finally:
        store.close()
    assert not any(k.startswith("verification/heldout/") for k in got)  # no held-out file, no held-out keys
    assert got["verification/dev/auroc_supported_vs_contradicted"] == 1.0
    assert got["verification/dev/supported_as_supported"] == 1.0
    assert got["verification/dev/contradicted_as_contradicted"] == 1.0
    assert got["verification/dev/contradicted_as_supported"] == 0.0


def test_verification_floors_and_ceilings_are_checked(tmp_path: Path) -> None:
    floors = tmp_path / "thresholds.json"
    floors.write_text(json.dumps({"verification": {
        "_comment": "x", "dev": {"auroc_supported_vs_rest": 0.9, "contradicted_as_supported": 0.1},
        "heldout": {"accuracy": 0.8}}}), encoding="utf-8")
    good = {"answers": {"verification/dev/auroc_supported_vs_rest": 0.95,
                        "verification/dev/contradicted_as_supported": 0.05, "verification/heldout/accuracy": 0.81}}
    assert check_thresholds(good, floors) == []
    bad = {"answers": {"verification/dev/auroc_supported_vs_rest": 0.85,
                       "verification/dev/contradicted_as_supported": 0.2}}
    assert check_thresholds(bad, floors) == [
        "verification dev auroc_supported_vs_rest = 0.85 (limit 0.9)",
        "verification dev contradicted_as_supported = 0.2 (limit 0.1)",
        "verification heldout accuracy = None (limit 0.8)",
    ]
