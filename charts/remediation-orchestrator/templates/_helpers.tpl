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

{{/* The orchestrator's flags: what the chart manages, then .Values.config (lists joined with commas), each one quoted. */}}
{{- define "ro.args" -}}
{{- $config := .Values.config | default dict -}}
- {{ printf "--metrics-bind-address=%s:%v" (.Values.metrics.host | default "") .Values.metrics.port | quote }}
- {{ printf "--leader-elect=%t" .Values.leaderElection.enabled | quote }}
{{- if not (hasKey $config "leader-election-id") }}
- {{ printf "--leader-election-id=%s" (include "ro.fullname" .) | quote }}
{{- end }}
{{- with .Values.watchNamespaces }}
- {{ printf "--namespaces=%s" (join "," .) | quote }}
{{- end }}
{{- range $flag, $value := $config }}
{{- $text := toString $value }}
{{- if kindIs "slice" $value }}
{{- $text = join "," $value }}
{{- else if and (kindIs "float64" $value) (eq $value (floor $value)) }}
{{- /* YAML numbers arrive as float64, which Go prints as 1e+06. */}}
{{- $text = toString (int64 $value) }}
{{- end }}
- {{ printf "--%s=%s" $flag $text | quote }}
{{- end }}
{{- end }}

{{/* Cluster-scoped names carry the namespace: two releases of one name in two namespaces must not share them. */}}
{{- define "ro.clusterName" -}}
{{- printf "%s-%s" (include "ro.fullname" .) .Release.Namespace }}
{{- end }}
