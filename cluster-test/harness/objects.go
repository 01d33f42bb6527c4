package harness

import (
	"encoding/json"
	"sort"

	"github.com/drover/drover/cluster-test/history"
	pb "github.com/drover/drover/proto/droverpb"
)

// kindConfigMap is the kind the object workload uses.
const kindConfigMap = "ConfigMap"

// newObject is the workload object name holding value, with precondition
// rv (0: none).
func newObject(name, value string, rv uint64) *pb.Object {
	body, _ := json.Marshal(map[string]any{"data": map[string]string{history.ValueKey: value}})
	return &pb.Object{ApiVersion: "v1", Kind: kindConfigMap, Body: body,
		Metadata: &pb.ObjectMeta{Name: name, Namespace: history.Namespace, ResourceVersion: rv,
			Labels: map[string]string{history.GroupLabel: history.GroupOf(name)}}}
}

// itemOf reads the workload's view of an object.
func itemOf(o *pb.Object) history.Item {
	var body struct {
		Data map[string]string `json:"data"`
	}
	_ = json.Unmarshal(o.GetBody(), &body)
	return history.Item{Name: o.GetMetadata().GetName(), Value: body.Data[history.ValueKey],
		Revision: o.GetMetadata().GetResourceVersion()}
}

// itemsOf converts a list's objects, sorted by name.
func itemsOf(objs []*pb.Object) []history.Item {
	out := make([]history.Item, 0, len(objs))
	for _, o := range objs {
		out = append(out, itemOf(o))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// eventOf converts a watch event.
func eventOf(ev *pb.WatchEvent, at int64) history.Event {
	e := history.Event{Type: history.EventType(ev.GetType().String()), Revision: ev.GetRevision(), Time: at,
		More: ev.GetMoreAtRevision()}
	if ev.GetType() != pb.EventType_BOOKMARK {
		it := itemOf(ev.GetObject())
		e.Name, e.Value = it.Name, it.Value
	}
	return e
}
