package validation

import (
	"bytes"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// maxSecretBytes is Kubernetes' limit on the total size of a secret's data.
const maxSecretBytes = 1024 * 1024

var (
	dataPath       = field.NewPath("data")
	binaryDataPath = field.NewPath("binaryData")
	immutablePath  = field.NewPath("immutable")
)

func validateConfigMap(cm *corev1.ConfigMap) field.ErrorList {
	var errs field.ErrorList
	for k := range cm.Data {
		errs = append(errs, configKey(k, dataPath)...)
	}
	for k := range cm.BinaryData {
		errs = append(errs, configKey(k, binaryDataPath)...)
		if _, ok := cm.Data[k]; ok {
			errs = append(errs, field.Invalid(binaryDataPath, k, "duplicate of key present in data"))
		}
	}
	return errs
}

func validateSecret(s *corev1.Secret) field.ErrorList {
	var errs field.ErrorList
	total := 0
	for k, v := range s.Data {
		errs = append(errs, configKey(k, dataPath)...)
		total += len(v)
	}
	if total > maxSecretBytes {
		errs = append(errs, field.TooLong(dataPath, "", maxSecretBytes))
	}
	if s.Type == corev1.SecretTypeTLS {
		errs = append(errs, requireKeys(s.Data, corev1.TLSCertKey, corev1.TLSPrivateKeyKey)...)
	}
	if s.Type == corev1.SecretTypeDockerConfigJson {
		errs = append(errs, requireKeys(s.Data, corev1.DockerConfigJsonKey)...)
	}
	return errs
}

func requireKeys(data map[string][]byte, keys ...string) field.ErrorList {
	var errs field.ErrorList
	for _, k := range keys {
		if _, ok := data[k]; !ok {
			errs = append(errs, field.Required(dataPath.Key(k), ""))
		}
	}
	return errs
}

func configKey(k string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsConfigMapKey(k) {
		errs = append(errs, field.Invalid(p, k, msg))
	}
	return errs
}

// storedImmutable reports whether a stored ConfigMap body is immutable:
// only then does an update have anything to check against it. Stored
// bodies are this package's canonical encoding, so the bytes tell.
func storedImmutable(oldBody []byte) bool {
	return bytes.Contains(oldBody, []byte(`"immutable":true`))
}

func validateConfigMapUpdate(cm, old *corev1.ConfigMap) field.ErrorList {
	if !isTrue(old.Immutable) {
		return nil
	}
	errs := lockedImmutable(cm.Immutable)
	errs = append(errs, immutableData(cm.Data, old.Data, dataPath)...)
	return append(errs, immutableData(cm.BinaryData, old.BinaryData, binaryDataPath)...)
}

func validateSecretUpdate(s, old *corev1.Secret) field.ErrorList {
	errs := immutable(s.Type, old.Type, field.NewPath("type"))
	if isTrue(old.Immutable) {
		errs = append(errs, lockedImmutable(s.Immutable)...)
		errs = append(errs, immutableData(s.Data, old.Data, dataPath)...)
	}
	return errs
}

// lockedImmutable rejects unsetting immutable once it is true.
func lockedImmutable(v *bool) field.ErrorList {
	if isTrue(v) {
		return nil
	}
	return field.ErrorList{field.Forbidden(immutablePath, "field is immutable when `immutable` is set")}
}

func immutableData(data, old any, p *field.Path) field.ErrorList {
	if errs := immutableValue(data, old, p); len(errs) > 0 {
		return field.ErrorList{field.Forbidden(p, "field is immutable when `immutable` is set")}
	}
	return nil
}

func isTrue(b *bool) bool { return b != nil && *b }
