"""Figures with one consistent look: a colour per engine or peer, labelled axes,
log scales where data spans decades, legends outside the data."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {
    "elemental": "#1b9e77", "overloading": "#d95f02", "sct": "#7570b3",
    "jax": "#e7298a", "autograd": "#66a61e", "torch": "#e6ab02", "python": "#666666",
    "sct:sct": "#3f007d", "sct:boxes": "#9e9ac8", "sct:lax": "#54278f",
}
MARKERS = {"elemental": "s", "overloading": "o", "sct": "^", "jax": "D", "autograd": "v",
           "torch": "P", "python": "x", "sct:sct": "*", "sct:boxes": "<", "sct:lax": ">"}


def style(tool: str) -> dict:
    """Colour by engine or peer (an SCT configuration, ``sct:<variant>``, its own shade); staged
    variants (``+jit``, ``+scan``) share the colour with a dashed line."""
    name, _, jit = tool.partition("+")
    base = name.partition(":")[0]
    return {"color": COLORS.get(name, COLORS.get(base, "#333333")), "marker": MARKERS.get(name, MARKERS.get(base, ".")),
            "linestyle": "--" if jit else "-", "label": tool}


def figure(width: float = 7.0, height: float = 4.2):
    fig, ax = plt.subplots(figsize=(width, height), dpi=110)
    ax.grid(True, which="both", alpha=0.25)
    return fig, ax


def save(fig, path: Path, legend_outside: bool = True) -> Path:
    ax = fig.axes[0]
    if legend_outside and ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, bbox_inches="tight")  # keeps legends placed outside the axes
    plt.close(fig)
    return path


def band(ax, low: float, high: float, label: str, color: str = "#999999") -> None:
    """A horizontal band: the cheap-gradient bounds."""
    ax.axhspan(low, high, color=color, alpha=0.15, label=label)
