package validation

import (
	corev1 "k8s.io/api/core/v1"
	v1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	serviceTypes = []corev1.ServiceType{corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort,
		corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeExternalName}
	affinities = []corev1.ServiceAffinity{corev1.ServiceAffinityNone, corev1.ServiceAffinityClientIP}
)

func validateService(svc *corev1.Service) field.ErrorList {
	s := &svc.Spec
	errs := oneOf(s.Type, serviceTypes, specPath.Child("type"))
	errs = append(errs, oneOf(s.SessionAffinity, affinities, specPath.Child("sessionAffinity"))...)
	errs = append(errs, v1validation.ValidateLabels(s.Selector, specPath.Child("selector"))...)
	errs = append(errs, validateClusterIP(s.ClusterIP)...)
	if s.Type == corev1.ServiceTypeExternalName {
		errs = append(errs, validateExternalName(s.ExternalName)...)
	} else if len(s.Ports) == 0 && s.ClusterIP != corev1.ClusterIPNone {
		errs = append(errs, field.Required(specPath.Child("ports"), ""))
	}
	return append(errs, validateServicePorts(s.Ports, s.Type)...)
}

func validateServicePorts(ports []corev1.ServicePort, typ corev1.ServiceType) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	nodePorts := typ == corev1.ServiceTypeNodePort || typ == corev1.ServiceTypeLoadBalancer
	for i := range ports {
		port, pp := &ports[i], specPath.Child("ports").Index(i)
		errs = append(errs, servicePortName(port.Name, len(ports) > 1, names, pp.Child("name"))...)
		errs = append(errs, portNum(int(port.Port), pp.Child("port"))...)
		errs = append(errs, oneOf(port.Protocol, protocols, pp.Child("protocol"))...)
		errs = append(errs, targetPort(port.TargetPort, pp.Child("targetPort"))...)
		if port.NodePort != 0 && !nodePorts {
			errs = append(errs, field.Forbidden(pp.Child("nodePort"), "may not be used when `type` is '"+string(typ)+"'"))
		} else if port.NodePort != 0 {
			errs = append(errs, portNum(int(port.NodePort), pp.Child("nodePort"))...)
		}
	}
	return errs
}

// servicePortName requires unique DNS-1123 label names when there are
// several ports.
func servicePortName(name string, required bool, seen sets.Set[string], p *field.Path) field.ErrorList {
	if name == "" {
		if required {
			return field.ErrorList{field.Required(p, "")}
		}
		return nil
	}
	errs := dnsLabel(name, p)
	if seen.Has(name) {
		errs = append(errs, field.Duplicate(p, name))
	}
	seen.Insert(name)
	return errs
}

// targetPort accepts a port number or an IANA service (port) name.
func targetPort(t intstr.IntOrString, p *field.Path) field.ErrorList {
	if t.Type == intstr.String {
		return portName(t.StrVal, p)
	}
	return portNum(int(t.IntVal), p)
}

func validateClusterIP(ip string) field.ErrorList {
	if ip == "" || ip == corev1.ClusterIPNone {
		return nil
	}
	return validation.IsValidIP(specPath.Child("clusterIP"), ip)
}

func validateExternalName(name string) field.ErrorList {
	p := specPath.Child("externalName")
	if name == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Subdomain(name) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	return errs
}

// validateServiceUpdate keeps an allocated clusterIP; an update that omits
// it keeps the stored one, as Kubernetes does.
func validateServiceUpdate(svc, old *corev1.Service) field.ErrorList {
	if old.Spec.ClusterIP == "" {
		return nil
	}
	if svc.Spec.ClusterIP == "" {
		svc.Spec.ClusterIP = old.Spec.ClusterIP
		svc.Spec.ClusterIPs = old.Spec.ClusterIPs
		return nil
	}
	return immutable(svc.Spec.ClusterIP, old.Spec.ClusterIP, specPath.Child("clusterIP"))
}
