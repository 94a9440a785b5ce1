"""The dashboard's server-rendered SVG charts: bars scaled to a round maximum, every text escaped."""

import re


def test_charts_scale_bars_to_a_round_maximum_and_escape_every_text():
    from app.procurement import charts

    svg = charts.bar_chart(
        chart_id="c",
        title='Money <"quoted"> & more',
        description="The table says the same.",
        groups=[charts.Group("<script>alert(1)</script>", [300.0, 150.0, None])],
        series=[charts.Series(k, k.title()) for k in ("planned", "contracted", "accepted")],
        axis_label="Amount, UAH",
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert '<title id="c-title">Money &lt;&#34;quoted&#34;&gt; &amp; more</title>' in svg
    assert 'role="img"' in svg and 'width="100%"' in svg and "style=" not in svg
    widths = [float(w) for w in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="13"', svg)]
    # Three swatches in the legend (12 wide), then the two known bars: 300 of a round maximum of 300, and half of it.
    bars = [w for w in widths if w != 12]
    assert bars[0] == charts.WIDTH - 2 * charts.PAD - charts.VALUE_ROOM and bars[1] == bars[0] / 2
    assert "—" in svg  # the unknown amount is a dash, not a bar
    assert charts.nice_maximum(302_400) == 400_000 and charts.ticks(400_000) == [0, 100_000, 200_000, 300_000, 400_000]
