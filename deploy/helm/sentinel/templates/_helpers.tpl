{{/* Names, labels and the sentinel container, shared by both modes. */}}

{{- define "sentinel.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "sentinel.fullname" -}}
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

{{- define "sentinel.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sentinel.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "sentinel.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "sentinel.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: {{ .Values.mode }}
{{- end }}

{{- define "sentinel.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "sentinel.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "sentinel.rulesConfigMap" -}}
{{- default (printf "%s-rules" (include "sentinel.fullname" .)) .Values.rules.existingConfigMap }}
{{- end }}

{{- define "sentinel.kafkaSecret" -}}
{{- default (printf "%s-kafka" (include "sentinel.fullname" .)) .Values.kafka.sasl.existingSecret }}
{{- end }}

{{- define "sentinel.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Stops the render on values that cannot work together. */}}
{{- define "sentinel.validate" -}}
{{- if not .Values.kafka.bootstrapServers }}
{{- fail "kafka.bootstrapServers is required (e.g. my-kafka-bootstrap.kafka:9092)" }}
{{- end }}
{{- if not .Values.kafka.topics }}
{{- fail "kafka.topics must name at least one topic" }}
{{- end }}
{{- if and (ne .Values.mode "standalone") .Values.keda.enabled }}
{{- fail (printf "keda.enabled is true but mode is %s: a ScaledObject would scale the gateway Deployment that sentinel sits in; use mode: standalone to scale sentinel on consumer lag" .Values.mode) }}
{{- end }}
{{- if and .Values.metrics.serviceMonitor.enabled .Values.metrics.podMonitor.enabled }}
{{- fail "metrics.serviceMonitor.enabled and metrics.podMonitor.enabled are both true: every pod would be scraped twice; enable one" }}
{{- end }}
{{- if and .Values.kafka.sasl.mechanism (not .Values.kafka.sasl.existingSecret) (not (and .Values.kafka.sasl.username .Values.kafka.sasl.password)) }}
{{- fail "kafka.sasl.mechanism is set: give kafka.sasl.existingSecret, or kafka.sasl.username and kafka.sasl.password" }}
{{- end }}
{{- if and .Values.kafka.sasl.mechanism (not (hasPrefix "SASL_" .Values.kafka.securityProtocol)) }}
{{- fail (printf "kafka.sasl.mechanism is set but kafka.securityProtocol is %s: use SASL_SSL (or SASL_PLAINTEXT)" .Values.kafka.securityProtocol) }}
{{- end }}
{{- if and .Values.rules.existingConfigMap .Values.rules.files }}
{{- fail "rules.existingConfigMap and rules.files are both set: put the files into your ConfigMap" }}
{{- end }}
{{- if and .Values.rules.existingConfigMap (include "sentinel.ruleOverrides" . | fromYaml) }}
{{- fail "rules.overrides, rollback.webhookUrl and alerting.alertmanagerUrls change the chart's rules ConfigMap, but rules.existingConfigMap replaces it: make those changes in your ConfigMap" }}
{{- end }}
{{- if and (not .Values.rules.existingConfigMap) (not .Values.rules.bundled) (not .Values.rules.files) }}
{{- fail "no rules: set rules.bundled, rules.files or rules.existingConfigMap" }}
{{- end }}
{{- end }}

{{/* Changes to rules files ({file: {field: value}}): rules.overrides plus the shortcuts
rollback.webhookUrl and alerting.alertmanagerUrls, as YAML. */}}
{{- define "sentinel.ruleOverrides" -}}
{{- $overrides := deepCopy .Values.rules.overrides }}
{{- with .Values.rollback.webhookUrl }}
{{- include "sentinel.mergeInto" (list $overrides (dict "rollback.yaml" (dict "actions" (dict "webhook" (dict "url" .))))) }}
{{- end }}
{{- with .Values.alerting.alertmanagerUrls }}
{{- $receivers := list }}
{{- range . }}
{{- $receivers = append $receivers (dict "url" .) }}
{{- end }}
{{- $alerting := dict "alertmanager" $receivers "external_labels" (deepCopy $.Values.alerting.externalLabels) }}
{{- include "sentinel.mergeInto" (list $overrides (dict "alerting.yaml" $alerting)) }}
{{- end }}
{{- if $overrides }}
{{- toYaml $overrides }}
{{- end }}
{{- end }}

{{/* Deep-merges the map (index . 1) into the map (index . 0), in place. Unlike sprig's
mergeOverwrite, false, 0 and "" do override (dry_run: false must win). */}}
{{- define "sentinel.mergeInto" -}}
{{- $dst := index . 0 }}
{{- range $key, $value := index . 1 }}
{{- if and (kindIs "map" $value) (kindIs "map" (get $dst $key)) }}
{{- include "sentinel.mergeInto" (list (get $dst $key) $value) }}
{{- else }}
{{- $_ := set $dst $key $value }}
{{- end }}
{{- end }}
{{- end }}

{{/* `sentinel run` arguments. Never secrets: sentinel reads those from the environment
(SENTINEL_KAFKA_OPTION_*, filled from a Secret), so they stay out of argv. */}}
{{- define "sentinel.args" -}}
{{- $args := list "run" (printf "--bootstrap-servers=%s" .Values.kafka.bootstrapServers) }}
{{- range .Values.kafka.topics }}
{{- $args = append $args (printf "--topic=%s" .) }}
{{- end }}
{{- $args = append $args (printf "--group-id=%s" .Values.kafka.groupId) }}
{{- $args = append $args (printf "--dead-letter-topic=%s" .Values.kafka.deadLetterTopic) }}
{{- $args = append $args (printf "--verdict-topic=%s" .Values.kafka.verdictTopic) }}
{{- $args = append $args (printf "--review-topic=%s" .Values.kafka.reviewTopic) }}
{{- $args = append $args (printf "--state-topic=%s" .Values.kafka.state.topic) }}
{{- if not .Values.kafka.state.create }}
{{- $args = append $args "--no-create-state-topic" }}
{{- end }}
{{- $args = append $args (printf "--verdicts=%s" .Values.run.verdicts) }}
{{- $args = append $args (printf "--output-client=%s" .Values.run.outputClient) }}
{{- $args = append $args (printf "--input-client=%s" .Values.run.inputClient) }}
{{- $args = append $args "--rules=/etc/sentinel/rules" }}
{{- $args = append $args (printf "--http-port=%d" (int .Values.metrics.port)) }}
{{- $args = append $args (printf "--ttl-seconds=%v" .Values.run.ttlSeconds) }}
{{- $args = append $args (printf "--max-pending=%d" (int64 .Values.run.maxPending)) }}
{{- $args = append $args (printf "--max-pending-bytes=%d" (int64 .Values.run.maxPendingBytes)) }}
{{- $args = append $args (printf "--max-event-bytes=%d" (int64 .Values.run.maxEventBytes)) }}
{{- $args = append $args (printf "--log-level=%s" .Values.run.logLevel) }}
{{- if .Values.run.logJson }}
{{- $args = append $args "--log-json" }}
{{- end }}
{{- if ne .Values.kafka.securityProtocol "PLAINTEXT" }}
{{- $args = append $args (printf "--kafka-option=security_protocol=%s" .Values.kafka.securityProtocol) }}
{{- end }}
{{- with .Values.kafka.sasl.mechanism }}
{{- $args = append $args (printf "--kafka-option=sasl_mechanism=%s" .) }}
{{- end }}
{{- if .Values.kafka.tls.caSecret }}
{{- $args = append $args (printf "--kafka-option=ssl_cafile=/etc/sentinel/kafka-tls/%s" .Values.kafka.tls.caKey) }}
{{- end }}
{{- range $key, $value := .Values.kafka.options }}
{{- $text := ternary (toString (int64 $value)) (toString $value) (kindIs "float64" $value) }}
{{- $args = append $args (printf "--kafka-option=%s=%s" $key $text) }}
{{- end }}
{{- range .Values.run.extraArgs }}
{{- $args = append $args (toString .) }}
{{- end }}
{{- range $args }}
- {{ . | quote }}
{{- end }}
{{- end }}

{{- define "sentinel.container" -}}
name: sentinel
image: {{ include "sentinel.image" . | quote }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
{{- if ne .Values.mode "standalone" }}
restartPolicy: Always  # a native sidecar
{{- end }}
args:
{{- include "sentinel.args" . | trim | nindent 2 }}
env:
  # for ${POD_NAME} in rules (e.g. alerting external_labels: one label value per replica)
  - name: POD_NAME
    valueFrom:
      fieldRef: {fieldPath: metadata.name}
  - name: POD_NAMESPACE
    valueFrom:
      fieldRef: {fieldPath: metadata.namespace}
{{- if .Values.kafka.sasl.mechanism }}
  # Kafka client settings from the environment (`--kafka-option` without argv)
  - name: SENTINEL_KAFKA_OPTION_SASL_PLAIN_USERNAME
    valueFrom:
      secretKeyRef:
        name: {{ include "sentinel.kafkaSecret" . }}
        key: {{ .Values.kafka.sasl.usernameKey }}
  - name: SENTINEL_KAFKA_OPTION_SASL_PLAIN_PASSWORD
    valueFrom:
      secretKeyRef:
        name: {{ include "sentinel.kafkaSecret" . }}
        key: {{ .Values.kafka.sasl.passwordKey }}
{{- end }}
{{- with .Values.run.extraEnv }}
{{- toYaml . | nindent 2 }}
{{- end }}
ports:
  - name: metrics
    containerPort: {{ .Values.metrics.port }}
    protocol: TCP
livenessProbe:
  httpGet: {path: /healthz, port: metrics}
  {{- toYaml .Values.probes.liveness | nindent 2 }}
{{- if eq .Values.mode "standalone" }}
readinessProbe:
  httpGet: {path: /readyz, port: metrics}
  {{- toYaml .Values.probes.readiness | nindent 2 }}
startupProbe:
  httpGet: {path: /healthz, port: metrics}
  {{- toYaml .Values.probes.startup | nindent 2 }}
{{- end }}
resources:
  {{- toYaml .Values.resources | nindent 2 }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
volumeMounts:
  - name: rules
    mountPath: /etc/sentinel/rules
    readOnly: true
  - name: tmp
    mountPath: /tmp
{{- if .Values.kafka.tls.caSecret }}
  - name: kafka-tls
    mountPath: /etc/sentinel/kafka-tls
    readOnly: true
{{- end }}
{{- end }}

{{- define "sentinel.volumes" -}}
- name: rules
  configMap:
    name: {{ include "sentinel.rulesConfigMap" . }}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- if .Values.kafka.tls.caSecret }}
- name: kafka-tls
  secret:
    secretName: {{ .Values.kafka.tls.caSecret }}
    items:
      - key: {{ .Values.kafka.tls.caKey }}
        path: {{ .Values.kafka.tls.caKey }}
{{- end }}
{{- if eq .Values.mode "sidecar" }}
- name: gateway-tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end }}
{{- end }}

{{/* Pod spec fields both modes share (after the containers). */}}
{{- define "sentinel.podCommon" -}}
serviceAccountName: {{ include "sentinel.serviceAccountName" . }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  {{- include "sentinel.volumes" . | nindent 2 }}
{{- end }}

{{/* The rules ConfigMap's content hash: a rules change rolls the pods (rules load at start). */}}
{{- define "sentinel.podAnnotations" -}}
{{- if not .Values.rules.existingConfigMap }}
checksum/rules: {{ include (print $.Template.BasePath "/configmap-rules.yaml") . | sha256sum }}
{{- end }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* ---- Adding sentinel to your own Deployment (mode: inject) -------------------------
Use this chart as a dependency of your chart, set `sentinel.mode: inject` and its kafka
values, and include these three templates in your pod template with the dependency's
context, `.Subcharts.sentinel`:

  template:
    metadata:
      annotations:
        {{- include "sentinel.sidecar.annotations" .Subcharts.sentinel | nindent 8 }}
    spec:
      initContainers:
        {{- include "sentinel.sidecar.container" .Subcharts.sentinel | nindent 8 }}
      volumes:
        {{- include "sentinel.sidecar.volumes" .Subcharts.sentinel | nindent 8 }}

The dependency renders what the container refers to (rules ConfigMap, Kafka Secret,
PrometheusRule, dashboards) and no workload of its own. See docs/deploy.md. */}}

{{- define "sentinel.sidecar.check" -}}
{{- if ne .Values.mode "inject" }}
{{- fail (printf "sentinel.sidecar.* templates need sentinel.mode: inject (it is %s): otherwise the sentinel chart also renders its own Deployment" .Values.mode) }}
{{- end }}
{{- include "sentinel.validate" . }}
{{- end }}

{{/* One list item: the sentinel native sidecar (for `initContainers:`). */}}
{{- define "sentinel.sidecar.container" -}}
{{- include "sentinel.sidecar.check" . -}}
- {{ include "sentinel.container" . | indent 2 | trim }}
{{- end }}

{{/* List items: the volumes the sidecar mounts (for `volumes:`). */}}
{{- define "sentinel.sidecar.volumes" -}}
{{- include "sentinel.sidecar.check" . -}}
{{ include "sentinel.volumes" . | trim }}
{{- end }}

{{/* Map entries: the rules checksum (a rules change rolls the pods) and podAnnotations. */}}
{{- define "sentinel.sidecar.annotations" -}}
{{- include "sentinel.sidecar.check" . -}}
{{ include "sentinel.podAnnotations" . | trim }}
{{- end }}
