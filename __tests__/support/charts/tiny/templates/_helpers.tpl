{{- define "tiny.fullname" -}}
{{- printf "%s-tiny" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
