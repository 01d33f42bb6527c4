package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/drover/drover/client/manifest"
	pb "github.com/drover/drover/proto/droverpb"
)

// Output formats accepted by -o.
const (
	outTable = ""
	outWide  = "wide"
	outYAML  = "yaml"
	outJSON  = "json"
	outName  = "name"
)

// validOutput checks an -o value.
func validOutput(o string) error {
	switch o {
	case outTable, outWide, outYAML, outJSON, outName:
		return nil
	}
	return fmt.Errorf("unknown output format %q (want wide, yaml, json or name)", o)
}

// printer writes objects of one kind in the -o format. Tables are aligned
// like kubectl's; a printer used for a watch prints its header once.
type printer struct {
	out           io.Writer
	format        string
	withNamespace bool
	table         table
	now           func() time.Time
	headerDone    bool
	docs          int
	widths        []int
}

// Table layout, as kubectl's tab writer: three spaces between columns, and
// a column (with its gap) at least six wide.
const (
	columnGap = 3
	minColumn = 6
)

// newPrinter returns a printer of objects of kind k.
func newPrinter(out io.Writer, format string, k *pb.KindInfo, withNamespace bool) *printer {
	return &printer{out: out, format: format, withNamespace: withNamespace, table: tableFor(k.Kind), now: time.Now}
}

// printList prints the result of a list (or of a get of one object).
func (p *printer) printList(objs []*pb.Object) error {
	switch p.format {
	case outYAML:
		return p.write(manifest.ListToYAML(objs))
	case outJSON:
		return p.write(manifest.ListToJSON(objs))
	}
	return p.printEach(objs)
}

// printObject prints one object: plain YAML or JSON, or a table.
func (p *printer) printObject(obj *pb.Object) error {
	switch p.format {
	case outYAML:
		return p.write(manifest.ToYAML(obj))
	case outJSON:
		return p.write(manifest.ToJSON(obj))
	}
	return p.printEach([]*pb.Object{obj})
}

// printEvent prints one watched object; YAML documents are separated by
// "---".
func (p *printer) printEvent(obj *pb.Object) error {
	if p.format == outYAML && p.docs > 0 {
		fmt.Fprintln(p.out, "---")
	}
	p.docs++
	return p.printObject(obj)
}

// printEach prints names or table rows.
func (p *printer) printEach(objs []*pb.Object) error {
	if p.format == outName {
		for _, o := range objs {
			fmt.Fprintf(p.out, "%s/%s\n", resourceName(o.Kind, o.ApiVersion), o.GetMetadata().GetName())
		}
		return nil
	}
	return p.printRows(objs)
}

// printRows renders table rows (and the header the first time), aligned
// like kubectl's tables; columns never shrink between calls, so that watch
// rows line up under the header.
func (p *printer) printRows(objs []*pb.Object) error {
	var lines [][]string
	if !p.headerDone {
		lines = append(lines, p.withNS("NAMESPACE", p.table.headers(p.format == outWide)))
		p.headerDone = true
	}
	now := p.now()
	for _, o := range objs {
		cells, err := p.table.row(o, now)
		if err != nil {
			return fmt.Errorf("%s %q: %w", o.Kind, o.GetMetadata().GetName(), err)
		}
		lines = append(lines, p.withNS(o.GetMetadata().GetNamespace(), p.table.cut(cells, p.format == outWide)))
	}
	p.widen(lines)
	for _, cells := range lines {
		p.writeLine(cells)
	}
	return nil
}

// withNS prepends the namespace cell under -A.
func (p *printer) withNS(ns string, cells []string) []string {
	if p.withNamespace {
		return append([]string{ns}, cells...)
	}
	return cells
}

// widen grows the remembered column widths to fit lines.
func (p *printer) widen(lines [][]string) {
	for _, cells := range lines {
		for i, c := range cells {
			if i >= len(p.widths) {
				p.widths = append(p.widths, 0)
			}
			p.widths[i] = max(p.widths[i], len(c))
		}
	}
}

// writeLine writes cells padded to the column widths, three spaces apart.
func (p *printer) writeLine(cells []string) {
	var b strings.Builder
	for i, c := range cells {
		b.WriteString(c)
		if i < len(cells)-1 {
			b.WriteString(strings.Repeat(" ", max(p.widths[i]+columnGap, minColumn)-len(c)))
		}
	}
	fmt.Fprintln(p.out, b.String())
}

// write prints encoder output.
func (p *printer) write(data []byte, err error) error {
	if err != nil {
		return err
	}
	_, err = p.out.Write(data)
	return err
}
