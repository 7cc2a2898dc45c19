"""Charts that read right: whole-number axes for counts, the legend clear of the bars, labels cut at a word."""

from __future__ import annotations

from bot.exports.charts import hbar_figure, short_label


def test_count_axes_show_whole_numbers_and_the_legend_sits_outside_the_plot() -> None:
    fig = hbar_figure(
        "Vụ việc theo lĩnh vực",
        ["Ô nhiễm môi trường", "Điện sinh hoạt"],
        [("Đang xử lý", [1.0, 0.0], "#d9822b"), ("Đã xử lý", [0.0, 1.0], "#3b8b5a")],
        "Số vụ việc",
    )
    [ax] = fig.axes
    ticks = [x for x in ax.get_xticks() if 0 <= x <= ax.get_xlim()[1]]
    assert ticks and all(float(x).is_integer() for x in ticks)  # no 0.2, 0.4 … for counts of 1
    assert ax.get_legend() is None and len(fig.legends) == 1  # the figure's legend, below the axes
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["Đang xử lý", "Đã xử lý"]


def test_labels_are_cut_at_a_word() -> None:
    assert short_label("Tổ chức sạt lở bờ kè trước trạm y tế xã", 30) == "Tổ chức sạt lở bờ kè trước…"
    assert short_label("Ngắn gọn", 30) == "Ngắn gọn"
    assert short_label("Mộttừrấtdàikhôngcókhoảngtrắngnàocả", 12) == "Mộttừrấtdài…"
