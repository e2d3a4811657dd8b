{{- define "harbor.fullname" -}}
{{- if contains "harbor" .Release.Name -}}{{ .Release.Name }}{{- else -}}{{ printf "%s-harbor" .Release.Name }}{{- end -}}
{{- end -}}

{{- define "harbor.labels" -}}
heritage: {{ .Release.Service }}
release: {{ .Release.Name }}
chart: {{ .Chart.Name }}
app: harbor
{{- end -}}

{{- define "harbor.selector" -}}
release: {{ .root.Release.Name }}
app: harbor
component: {{ .component }}
{{- end -}}

{{/* An internal secret: the pinned one, or a new random one on every render as in the real chart. */}}
{{- define "harbor.internalSecret" -}}
{{- if .existing -}}existing:{{ .existing }}{{- else if .value -}}{{ .value }}{{- else -}}{{ randAlphaNum 16 }}{{- end -}}
{{- end -}}

{{/* One Deployment: name, component, containers (list of name/image), and the pod annotations. */}}
{{- define "harbor.deployment" -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "harbor.fullname" .root }}-{{ .component }}
  labels:
{{ include "harbor.labels" .root | indent 4 }}
    component: {{ .component }}
spec:
  replicas: {{ .replicas }}
  revisionHistoryLimit: 10
  selector:
    matchLabels:
{{ include "harbor.selector" . | indent 6 }}
  template:
    metadata:
      labels:
{{ include "harbor.labels" .root | indent 8 }}
        component: {{ .component }}
      annotations:
        checksum/secret: {{ .checksum | sha256sum }}
{{- with .podAnnotations }}
{{ toYaml . | indent 8 }}
{{- end }}
    spec:
      containers:
{{- range .containers }}
      - name: {{ .name }}
        image: {{ .image }}
{{- with .env }}
        env:
{{ toYaml . | indent 8 }}
{{- end }}
{{- with .envFrom }}
        envFrom:
{{ toYaml . | indent 8 }}
{{- end }}
{{- end }}
{{- end -}}
