package history

import (
	"fmt"
	"strconv"
	"strings"
)

// The object workload's data model, shared by workloads and checkers: a few
// ConfigMaps in one namespace, each holding one unique string value under
// data key ValueKey, and a label GroupLabel that splits them in two groups
// so label-filtered watches have something to filter.
const (
	Namespace  = "chaos"
	ValueKey   = "v"
	GroupLabel = "group"
	namePrefix = "k"
)

// ObjectName is the i-th object's name: k0, k1, ...
func ObjectName(i int) string { return namePrefix + strconv.Itoa(i) }

// GroupOf is the GroupLabel value of an object: "a" for even indices, "b"
// for odd ones.
func GroupOf(name string) string {
	i, err := strconv.Atoi(strings.TrimPrefix(name, namePrefix))
	if err != nil || i%2 == 0 {
		return "a"
	}
	return "b"
}

// GroupSelector is the label selector that matches one group.
func GroupSelector(group string) string { return fmt.Sprintf("%s=%s", GroupLabel, group) }

// Matches reports whether an object named name matches a watch's label
// selector, which the workload only ever sets to "" or GroupSelector(g).
func Matches(selector, name string) bool {
	return selector == "" || selector == GroupSelector(GroupOf(name))
}
