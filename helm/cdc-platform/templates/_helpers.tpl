{{/* Common labels of every object; the component names the stage. */}}
{{- define "cdc.labels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: cdc-platform
app.kubernetes.io/component: {{ .component }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end }}

{{/* Labels that select the pods of one component. */}}
{{- define "cdc.selectorLabels" -}}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Pod security: non-root, the runtime's default seccomp profile. */}}
{{- define "cdc.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Container security: no privilege escalation, no capabilities, read-only root unless the image must write. */}}
{{- define "cdc.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: {{ .readOnly }}
capabilities:
  drop: ["ALL"]
{{- end }}

{{/* An image of this project. */}}
{{- define "cdc.image" -}}
{{ .root.Values.images.registry }}/{{ .name }}:{{ .root.Values.images.tag }}
{{- end }}

{{- /* The pipeline definition's files, name to content: values pipeline.files, or the data of the ConfigMap pipeline.existingConfigMap read from the cluster at install, else the chart's files/pipeline/. Everything derived from the definition (the connector's tables, topics, ACLs, sink tables, the job's mounted copy) is rendered from these same files. */}}
{{- define "cdc.pipelineFiles" -}}
{{- if and .Values.pipeline.files .Values.pipeline.existingConfigMap }}
{{- fail "pipeline: expected either files or existingConfigMap, got both" }}
{{- end }}
{{- if .Values.pipeline.existingConfigMap }}
{{- $found := lookup "v1" "ConfigMap" .Release.Namespace .Values.pipeline.existingConfigMap }}
{{- if not $found }}
{{- fail (printf "pipeline.existingConfigMap: ConfigMap %s not found in namespace %s; it is read from the cluster at install, which helm template, dry runs and GitOps renderings cannot do: pass the files with pipeline.files there" .Values.pipeline.existingConfigMap .Release.Namespace) }}
{{- end }}
{{- toYaml $found.data }}
{{- else if .Values.pipeline.files }}
{{- toYaml .Values.pipeline.files }}
{{- else }}
{{- range $path, $_ := .Files.Glob "files/pipeline/*" }}
{{ base $path }}: {{ $.Files.Get $path | quote }}
{{- end }}
{{- end }}
{{- end }}

{{- /* The pipeline definition (pipeline.yaml) as a dict. */}}
{{- define "cdc.pipeline" -}}
{{- $files := include "cdc.pipelineFiles" . | fromYaml }}
{{- index $files "pipeline.yaml" | required "pipeline.files: expected a pipeline.yaml" }}
{{- end }}

{{- /* The definition's generation: a SHA-256 of what decides the analytics' results, over the same canonical text as the Java model's Generation.canonical (values as written, a missing one empty; each analytic's query file as written). The job runs under its first 32 hex digits as its Flink job id, so the operator restores only a generation's own checkpoints: a new one is computed afresh from the change topics. */}}
{{- define "cdc.generation" -}}
{{- $files := include "cdc.pipelineFiles" . | fromYaml }}
{{- $pipeline := include "cdc.pipeline" . | fromYaml }}
{{- $source := $pipeline.source | default dict }}
{{- $lines := list (printf "source %v %v" ($source.topicPrefix | default "") ($source.heartbeat | default "")) }}
{{- range $source.tables }}
{{- $lines = append $lines (printf "table %v key=%s eventTime=%v columns=%s" .table (join "," (.key | default list)) (.eventTime | default "") (join "," (.columns | default list))) }}
{{- end }}
{{- range $pipeline.analytics }}
{{- $window := .window | default dict }}
{{- $outputs := .outputs | default dict }}
{{- $lines = append $lines (printf "analytic %v key=%s window=%v/%v/%v outputs=%v/%v" .name (join "," (.key | default list)) ($window.column | default "") ($window.size | default "") ($window.allowedLateness | default "") ($outputs.table | default "") ($outputs.topic | default "")) }}
{{- $lines = append $lines (index $files .query | required (printf "pipeline.files: expected %s, the query of analytic %s" .query .name)) }}
{{- end }}
{{- join "\n" $lines | sha256sum }}
{{- end }}

{{- /* The connector settings the definition decides; the same as PipelineDefinition.connectorSettings(). */}}
{{- define "cdc.connectorSettings" -}}
{{- $pipeline := include "cdc.pipeline" . | fromYaml }}
{{- $tables := list }}
{{- $keys := list }}
{{- range $pipeline.source.tables }}
{{- $tables = append $tables .table }}
{{- if .key }}
{{- $keys = append $keys (printf "%s:%s" .table (join "," .key)) }}
{{- end }}
{{- end }}
{{- $tables = append $tables $pipeline.source.heartbeat }}
{{- $columns := list }}
{{- $declared := false }}
{{- range $pipeline.source.tables }}
{{- $table := replace "." "\\." .table }}
{{- if .columns }}
{{- $declared = true }}
{{- $columns = append $columns (printf "%s\\.(%s)" $table (join "|" .columns)) }}
{{- else }}
{{- $columns = append $columns (printf "%s\\..+" $table) }}
{{- end }}
{{- end }}
{{- $columns = append $columns (printf "%s\\..+" (replace "." "\\." $pipeline.source.heartbeat)) }}
table.include.list: {{ join "," $tables | quote }}
topic.prefix: {{ $pipeline.source.topicPrefix | quote }}
heartbeat.action.query: {{ printf "INSERT INTO %s (id, beat_at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET beat_at = EXCLUDED.beat_at" $pipeline.source.heartbeat | quote }}
{{- if $keys }}
message.key.columns: {{ join ";" $keys | quote }}
{{- end }}
{{- if $declared }}
column.include.list: {{ join "," $columns | quote }}
{{- end }}
{{- end }}

{{- /* The analytics' output tables and topics as a list of {table, topic}: the declared ones, then the platform's freshness. */}}
{{- define "cdc.outputs" -}}
{{- $pipeline := include "cdc.pipeline" . | fromYaml }}
{{- range $pipeline.analytics }}
{{- $outputs := .outputs | default dict }}
- table: {{ $outputs.table | default (printf "analytics.%s" .name) }}
  topic: {{ $outputs.topic | default (printf "analytics.%s" .name) }}
{{- end }}
- table: analytics.freshness
  topic: analytics.freshness
{{- end }}

{{- /* Every topic the pipeline needs, as a list of {name, kind}; the same as PipelineDefinition.topics(). */}}
{{- define "cdc.topics" -}}
{{- $pipeline := include "cdc.pipeline" . | fromYaml }}
{{- $prefix := $pipeline.source.topicPrefix }}
{{- range $pipeline.source.tables }}
- {name: {{ printf "%s.%s" $prefix .table }}, kind: change}
{{- end }}
- {name: {{ printf "%s.transaction" $prefix }}, kind: transaction}
- {name: {{ printf "%s.%s" $prefix $pipeline.source.heartbeat }}, kind: heartbeat}
- {name: {{ printf "__debezium-heartbeat.%s" $prefix }}, kind: heartbeat}
- {name: {{ index ($pipeline.job | default dict) "dead-letter-topic" | default (printf "%s.dead-letter" $prefix) }}, kind: deadLetter}
{{- range include "cdc.outputs" . | fromYamlArray }}
- {name: {{ .topic }}, kind: output}
{{- end }}
- {name: analytics.pipeline_latency_minute, kind: output}
{{- end }}

{{- /* A size in bytes, Ki, Mi, Gi or Ti, in whole MiB. */}}
{{- define "cdc.mebibytes" -}}
{{- $size := toString . -}}
{{- if hasSuffix "Ti" $size -}}{{ mul (trimSuffix "Ti" $size | atoi) 1048576 }}
{{- else if hasSuffix "Gi" $size -}}{{ mul (trimSuffix "Gi" $size | atoi) 1024 }}
{{- else if hasSuffix "Mi" $size -}}{{ trimSuffix "Mi" $size | atoi }}
{{- else if hasSuffix "Ki" $size -}}{{ div (trimSuffix "Ki" $size | atoi) 1024 }}
{{- else if regexMatch "^[0-9]+$" $size -}}{{ div ($size | atoi) 1048576 }}
{{- else -}}{{ fail (printf "expected a size in bytes, Ki, Mi, Gi or Ti (e.g. 5Gi), got %q" $size) }}
{{- end -}}
{{- end }}

{{- /* The schemas of the definition's analytics tables, each once, as a YAML list. */}}
{{- define "cdc.sinkSchemas" -}}
{{- /* The platform's own tables (freshness, latency) are in analytics. */}}
{{- $schemas := list "analytics" }}
{{- range include "cdc.outputs" . | fromYamlArray }}
{{- $schemas = append $schemas (first (splitList "." .table)) }}
{{- end }}
{{- toYaml ($schemas | uniq | sortAlpha) }}
{{- end }}
