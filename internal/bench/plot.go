package bench

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
}

// WritePlot draws throughput (top) and p50 submit→soft latency (bottom)
// per second for every run, as a PNG.
func (r *Report) WritePlot(path string) error {
	tps := plot.New()
	tps.Title.Text = fmt.Sprintf("committed tx/s (%d validators, %d-byte txs)", r.Config.Validators, r.Config.TxSize)
	tps.X.Label.Text, tps.Y.Label.Text = "second", "tx/s"
	lat := plot.New()
	lat.Title.Text = "p50 submit→soft latency"
	lat.X.Label.Text, lat.Y.Label.Text = "second", "ms"
	for i, run := range r.Runs {
		tp := make(plotter.XYs, len(run.Timeline))
		lp := make(plotter.XYs, len(run.Timeline))
		for j, pt := range run.Timeline {
			tp[j] = plotter.XY{X: float64(pt.Second), Y: pt.TxPerSec}
			lp[j] = plotter.XY{X: float64(pt.Second), Y: pt.P50Ms}
		}
		for _, pair := range []struct {
			p   *plot.Plot
			xys plotter.XYs
		}{{tps, tp}, {lat, lp}} {
			line, err := plotter.NewLine(pair.xys)
			if err != nil {
				return err
			}
			line.Color = palette[i%len(palette)]
			line.Width = vg.Points(1.5)
			pair.p.Add(line)
			pair.p.Legend.Add(run.System, line)
		}
	}
	tps.Legend.Top, lat.Legend.Top = true, true
	tps.Add(plotter.NewGrid())
	lat.Add(plotter.NewGrid())

	img := vgimg.New(vg.Points(720), vg.Points(640))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Points(8), PadBottom: vg.Points(8), PadLeft: vg.Points(8), PadRight: vg.Points(12), PadY: vg.Points(16)}
	canvases := plot.Align([][]*plot.Plot{{tps}, {lat}}, tiles, dc)
	tps.Draw(canvases[0][0])
	lat.Draw(canvases[1][0])
	if !strings.HasSuffix(path, ".png") {
		return fmt.Errorf("plot path %q must end in .png", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
