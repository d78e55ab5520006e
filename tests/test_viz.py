"""ember.viz: the backward graph as text, DOT and pictures."""

import shutil

import pytest

import ember
from ember import viz


def small_graph():
    w = ember.ones(2, 3, requires_grad=True)
    b = ember.zeros(3, requires_grad=True)
    x = ember.ones(4, 2)
    y = ((x @ w) + b).relu().sum()
    return y, {"layer.weight": w, "layer.bias": b}


def test_print_graph_names_ops_params_and_saved_sizes(capsys):
    y, params = small_graph()
    viz.print_graph(y, params=params)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("SumBackward")
    text = "\n".join(out)
    assert "ReluBackward0" in text and "AddBackward0" in text
    assert "layer.weight  [2, 3] float32" in text and "layer.bias  [3] float32" in text
    assert "saved" in text  # relu and matmul keep tensors for backward


def test_shared_nodes_are_printed_once():
    x = ember.ones(3, requires_grad=True)
    h = x * 2
    z = (h * h + h).sum()
    text = viz.format_graph(z)
    assert text.count("shared, see above") >= 1


def test_graph_of_tensor_without_grad():
    assert "no graph" in viz.format_graph(ember.ones(2))


def test_dot_source_and_svg_without_graphviz(tmp_path, monkeypatch):
    y, params = small_graph()
    dot = viz.graph_to_dot(y, params)
    assert dot.startswith("digraph") and "layer.weight" in dot and "->" in dot
    monkeypatch.setattr(shutil, "which", lambda name: None)
    path = viz.draw_graph(y, str(tmp_path / "g.svg"), params)
    svg = open(path).read()
    assert svg.startswith("<svg") and "ReluBackward0" in svg and "layer.bias" in svg


def test_draw_graph_rejects_unknown_extension(tmp_path):
    y, _ = small_graph()
    with pytest.raises(ValueError, match="unsupported file type"):
        viz.draw_graph(y, str(tmp_path / "g.jpg"))


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_png_through_graphviz(tmp_path):
    y, params = small_graph()
    path = viz.draw_graph(y, str(tmp_path / "g.png"), params)
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
