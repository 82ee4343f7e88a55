package io.ingot.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A small grouped bar chart drawn with the JDK (headless AWT), for benchmark reports. */
public final class BarChart {
    /** One group of bars, e.g. "spawn to SSH" with a value per series. */
    public record Group(String label, List<Double> values) { }

    private static final Color[] SERIES = {new Color(0x9e, 0x9e, 0x9e), new Color(0x1f, 0x77, 0xb4), new Color(0xff, 0x7f, 0x0e), new Color(0x2c, 0xa0, 0x2c)};

    private BarChart() { }

    /** Draws panels side by side, each with its own unit and scale. */
    public static void write(Path png, String title, List<String> series, List<Panel> panels) throws IOException {
        int panelW = 360, h = 380, w = panelW * panels.size() + 40;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, 20, 24);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int x = 20;
        for (int s = 0; s < series.size(); s++) {
            g.setColor(SERIES[s % SERIES.length]);
            g.fillRect(x, 36, 12, 12);
            g.setColor(Color.BLACK);
            g.drawString(series.get(s), x + 16, 47);
            x += 16 + g.getFontMetrics().stringWidth(series.get(s)) + 24; // legend entries as wide as their text
        }
        for (int p = 0; p < panels.size(); p++) drawPanel(g, panels.get(p), 20 + p * panelW, 70, panelW - 20, h - 110);
        g.dispose();
        ImageIO.write(img, "png", png.toFile());
    }

    /** One panel: groups of bars sharing a unit. */
    public record Panel(String title, String unit, List<Group> groups) { }

    private static void drawPanel(Graphics2D g, Panel panel, int x, int y, int w, int h) {
        double max = panel.groups().stream().flatMap(gr -> gr.values().stream()).mapToDouble(Double::doubleValue).max().orElse(1);
        g.setColor(Color.BLACK);
        g.drawString(panel.title() + " (" + panel.unit() + ")", x, y);
        int top = y + 12, bottom = y + h - 20, left = x + 40;
        g.setStroke(new BasicStroke(1));
        g.drawLine(left, top, left, bottom);
        g.drawLine(left, bottom, x + w, bottom);
        g.drawString(String.format("%.0f", max), x, top + 10);
        g.drawString("0", x + 28, bottom);
        int groups = panel.groups().size();
        int groupW = (x + w - left - 10) / Math.max(1, groups);
        for (int i = 0; i < groups; i++) {
            Group gr = panel.groups().get(i);
            int bars = gr.values().size();
            int barW = Math.max(6, (groupW - 14) / Math.max(1, bars));
            for (int b = 0; b < bars; b++) {
                double v = gr.values().get(b);
                int bh = (int) Math.round((bottom - top) * (v / max));
                int bx = left + 8 + i * groupW + b * barW;
                g.setColor(SERIES[b % SERIES.length]);
                g.fillRect(bx, bottom - bh, barW - 3, bh);
                g.setColor(Color.DARK_GRAY);
                g.drawString(v >= 100 ? String.format("%.0f", v) : String.format("%.2f", v), bx, bottom - bh - 3);
            }
            g.setColor(Color.BLACK);
            g.drawString(gr.label(), left + 8 + i * groupW, bottom + 15);
        }
    }
}
