{{- define "ro.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ro.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "ro.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ro.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "ro.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "ro.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: orchestrator
{{- end }}

{{- define "ro.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ro.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The orchestrator's flags: what the chart manages, then .Values.config (lists joined with commas). */}}
{{- define "ro.args" -}}
- --metrics-bind-address=:{{ .Values.metrics.port }}
- --leader-elect={{ .Values.leaderElection.enabled }}
{{- if not (hasKey .Values.config "leader-election-id") }}
- --leader-election-id={{ include "ro.fullname" . }}
{{- end }}
{{- with .Values.watchNamespaces }}
- --namespaces={{ join "," . }}
{{- end }}
{{- range $flag, $value := .Values.config }}
{{- if kindIs "slice" $value }}
- --{{ $flag }}={{ join "," $value }}
{{- else if and (kindIs "float64" $value) (eq $value (floor $value)) }}
{{- /* YAML numbers arrive as float64, which Go prints as 1e+06. */}}
- --{{ $flag }}={{ int64 $value }}
{{- else }}
- --{{ $flag }}={{ $value }}
{{- end }}
{{- end }}
{{- end }}
