package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
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
}

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

// printRows renders table rows (and the header the first time).
func (p *printer) printRows(objs []*pb.Object) error {
	tw := tabwriter.NewWriter(p.out, 6, 4, 3, ' ', 0)
	if !p.headerDone {
		p.writeCells(tw, "NAMESPACE", p.table.headers(p.format == outWide))
		p.headerDone = true
	}
	now := p.now()
	for _, o := range objs {
		cells, err := p.table.row(o, now)
		if err != nil {
			return fmt.Errorf("%s %q: %w", o.Kind, o.GetMetadata().GetName(), err)
		}
		p.writeCells(tw, o.GetMetadata().GetNamespace(), p.table.cut(cells, p.format == outWide))
	}
	return tw.Flush()
}

// writeCells writes one tab-separated line, with the namespace first under
// -A.
func (p *printer) writeCells(w io.Writer, ns string, cells []string) {
	if p.withNamespace {
		cells = append([]string{ns}, cells...)
	}
	fmt.Fprintln(w, strings.Join(cells, "\t"))
}

// write prints encoder output.
func (p *printer) write(data []byte, err error) error {
	if err != nil {
		return err
	}
	_, err = p.out.Write(data)
	return err
}
