"""See the computation graph: ``print_graph`` (text) and ``draw_graph`` (SVG/PNG/DOT).

The backward graph of a tensor is walked from its ``grad_fn`` through
``next_functions``: op nodes are shown by name with the size of what they saved for
backward, leaf tensors (``AccumulateGrad``) with shape and dtype, and by their module
names when ``params=dict(model.named_parameters())`` is given.

Example:
    >>> import ember
    >>> w = ember.ones(2, 3, requires_grad=True)
    >>> y = (ember.ones(4, 2) @ w).relu().sum()
    >>> print_graph(y, params={"w": w})
    SumBackward0
    └─ ReluBackward0  (saved 96 B)
       └─ MmBackward0  (saved 56 B)
          └─ w  [2, 3] float32
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import tempfile

__all__ = ["print_graph", "graph_to_dot", "draw_graph", "format_graph"]


def _saved_bytes(node) -> int:
    total = 0
    for entry in node._saved or ():
        value = entry[1]  # (kind, value, ...): see ember.autograd.function
        arr = getattr(value, "_array", value)
        total += int(getattr(arr, "nbytes", 0))
    return total


def _human_bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def _leaf_label(node, names: dict) -> str:
    var = node.variable
    name = names.get(id(var), "leaf")
    shape = ", ".join(str(d) for d in var.shape)
    return f"{name}  [{shape}] {var.dtype._name}"


def _node_label(node, names: dict) -> str:
    from .autograd.function import AccumulateGrad

    if isinstance(node, AccumulateGrad):
        return _leaf_label(node, names)
    saved = _saved_bytes(node)
    return type(node).__name__ + (f"  (saved {_human_bytes(saved)})" if saved else "")


def _param_names(params) -> dict:
    return {id(t): name for name, t in (params or {}).items()}


def _root_node(tensor):
    if tensor.grad_fn is not None:
        return tensor.grad_fn
    if tensor.requires_grad:
        return tensor._get_grad_accumulator()
    return None


def format_graph(tensor, params=None) -> str:
    """The backward graph of ``tensor`` as an indented text tree (see ``print_graph``)."""
    names = _param_names(params)
    root = _root_node(tensor)
    if root is None:
        return "(no graph: the tensor does not require grad)"
    lines = []
    seen = {}
    # Explicit stack of (node, prefix, is_last, is_root): graphs may be deep.
    stack = [(root, "", True, True)]
    while stack:
        node, prefix, last, is_root = stack.pop()
        connector = "" if is_root else ("└─ " if last else "├─ ")
        label = _node_label(node, names)
        if id(node) in seen:
            lines.append(f"{prefix}{connector}{label}  (shared, see above)")
            continue
        seen[id(node)] = True
        lines.append(f"{prefix}{connector}{label}")
        children = [c for c, _ in node.next_functions if c is not None]
        child_prefix = prefix if is_root else prefix + ("   " if last else "│  ")
        for i in reversed(range(len(children))):
            stack.append((children[i], child_prefix, i == len(children) - 1, False))
    return "\n".join(lines)


def print_graph(tensor, params=None) -> None:
    """Print the backward graph of ``tensor`` as an indented tree; no dependencies."""
    print(format_graph(tensor, params))


def _graph_nodes(root):
    """All nodes reachable from ``root`` with their edges (child -> parent order)."""
    order, edges, seen, stack = [], [], {id(root)}, [root]
    while stack:
        node = stack.pop()
        order.append(node)
        for child, _ in node.next_functions:
            if child is None:
                continue
            edges.append((child, node))
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return order, edges


def _layered(root):
    """Nodes, edges, and the nodes grouped by their longest distance from ``root``."""
    nodes, edges = _graph_nodes(root)
    depth = {id(root): 0}
    # longest distance from the root, relaxed over the DAG without recursion
    changed = True
    while changed:
        changed = False
        for child, parent in edges:
            d = depth.get(id(parent), 0) + 1
            if depth.get(id(child), -1) < d:
                depth[id(child)] = d
                changed = True
    layers: dict[int, list] = {}
    for node in nodes:
        layers.setdefault(depth[id(node)], []).append(node)
    return nodes, edges, layers


def graph_to_dot(tensor, params=None) -> str:
    """The backward graph as Graphviz DOT source."""
    from .autograd.function import AccumulateGrad

    names = _param_names(params)
    root = _root_node(tensor)
    lines = ["digraph ember_graph {", '  rankdir=BT; node [fontname="Helvetica", fontsize=10];']
    if root is not None:
        nodes, edges = _graph_nodes(root)
        for node in nodes:
            label = html.escape(_node_label(node, names), quote=True)
            if isinstance(node, AccumulateGrad):
                style = 'shape=box, style="rounded,filled", fillcolor="#cfe8ff"'
            else:
                style = 'shape=box, style=filled, fillcolor="#eeeeee"'
            lines.append(f'  n{id(node)} [label="{label}", {style}];')
        lines.append(
            f'  out [label="output  [{", ".join(str(d) for d in tensor.shape)}] '
            f'{tensor.dtype._name}", shape=box, style=filled, fillcolor="#ffe0b0"];'
        )
        lines.append(f"  n{id(root)} -> out;")
        for child, parent in edges:
            lines.append(f"  n{id(child)} -> n{id(parent)};")
    lines.append("}")
    return "\n".join(lines)


def _layered_svg(tensor, params=None) -> str:
    """A dependency-free SVG: nodes in layers by distance from the output."""
    from .autograd.function import AccumulateGrad

    names = _param_names(params)
    root = _root_node(tensor)
    if root is None:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="40"><text x="10" y="25">no graph</text></svg>'
    nodes, edges, layers = _layered(root)
    box_w, box_h, gap_x, gap_y = 230, 28, 20, 46
    width = max(len(v) for v in layers.values()) * (box_w + gap_x) + gap_x
    height = (len(layers) + 1) * (box_h + gap_y) + gap_y
    pos = {}
    parts = []
    for d, layer in layers.items():
        y = height - (d + 2) * (box_h + gap_y)
        for i, node in enumerate(layer):
            x = gap_x + i * (box_w + gap_x)
            pos[id(node)] = (x + box_w / 2, y, y + box_h)
            fill = "#cfe8ff" if isinstance(node, AccumulateGrad) else "#eeeeee"
            label = html.escape(_node_label(node, names))
            parts.append(
                f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="5" fill="{fill}" stroke="#555"/>'
                f'<text x="{x + box_w / 2}" y="{y + 18}" font-size="11" text-anchor="middle" '
                f'font-family="Helvetica,Arial,sans-serif">{label}</text>'
            )
    out_y = height - box_h - gap_y
    parts.append(
        f'<rect x="{gap_x}" y="{out_y}" width="{box_w}" height="{box_h}" rx="5" fill="#ffe0b0" stroke="#555"/>'
        f'<text x="{gap_x + box_w / 2}" y="{out_y + 18}" font-size="11" text-anchor="middle" '
        f'font-family="Helvetica,Arial,sans-serif">output [{", ".join(str(s) for s in tensor.shape)}]</text>'
    )
    rx, r_top, _ = pos[id(root)]
    parts.append(f'<line x1="{rx}" y1="{r_top + box_h}" x2="{gap_x + box_w / 2}" y2="{out_y}" stroke="#333" marker-end="url(#a)"/>')
    for child, parent in edges:
        cx, c_top, _ = pos[id(child)]
        px, _, p_bottom = pos[id(parent)]
        parts.append(f'<line x1="{cx}" y1="{c_top}" x2="{px}" y2="{p_bottom}" stroke="#333" marker-end="url(#a)"/>')
    marker = (
        '<defs><marker id="a" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
        '<path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker></defs>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<rect width="100%" height="100%" fill="white"/>{marker}{"".join(parts)}</svg>'
    )


def draw_graph(tensor, path: str, params=None) -> str:
    """Render the backward graph of ``tensor`` to ``path`` (.svg, .png or .dot).

    Uses Graphviz's ``dot`` when installed (Debian: ``apt install graphviz``). Without
    it, ``.svg`` files are drawn by a built-in layered layout and ``.png`` files need
    matplotlib (to rasterize) or raise a clear error. Returns the path written.
    """
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".svg", ".png", ".dot", ".gv"):
        raise ValueError(f"draw_graph: unsupported file type {ext!r}; use .svg, .png or .dot")
    dot_source = graph_to_dot(tensor, params)
    if ext in (".dot", ".gv"):
        with open(path, "w") as f:
            f.write(dot_source)
        return path
    dot = shutil.which("dot")
    if dot is not None:
        with tempfile.NamedTemporaryFile("w", suffix=".dot", delete=False) as f:
            f.write(dot_source)
            src = f.name
        try:
            subprocess.run([dot, f"-T{ext[1:]}", src, "-o", path], check=True, capture_output=True)
        finally:
            os.unlink(src)
        return path
    if ext == ".svg":
        with open(path, "w") as f:
            f.write(_layered_svg(tensor, params))
        return path
    return _draw_png_with_matplotlib(tensor, path, params)


def _draw_png_with_matplotlib(tensor, path, params):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise RuntimeError(
            "draw_graph: writing PNG needs Graphviz's `dot` (apt install graphviz) or matplotlib "
            "(pip install 'ember[plot]'); .svg works without either"
        ) from None
    from .autograd.function import AccumulateGrad

    names = _param_names(params)
    root = _root_node(tensor)
    nodes, edges, layers = _layered(root)
    n_layers = len(layers)
    widest = max(len(v) for v in layers.values())
    fig, ax = plt.subplots(figsize=(max(4, 2.8 * widest), max(3, 0.9 * n_layers + 1)))
    pos = {}
    for d, layer in layers.items():
        for i, node in enumerate(layer):
            pos[id(node)] = ((i + 0.5) / len(layer), d)
    for child, parent in edges:
        (x0, y0), (x1, y1) = pos[id(child)], pos[id(parent)]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=dict(arrowstyle="->", color="#333"))
    for node in nodes:
        x, y = pos[id(node)]
        color = "#cfe8ff" if isinstance(node, AccumulateGrad) else "#eeeeee"
        ax.text(x, y, _node_label(node, names), ha="center", va="center", fontsize=8,
                bbox=dict(boxstyle="round", facecolor=color, edgecolor="#555"))
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(n_layers - 0.5, -0.5)
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
