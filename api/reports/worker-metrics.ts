// Metrics of the SIP workers that something other than a dashboard reads: the operator points a
// HorizontalPodAutoscaler at them, so the worker and the operator import the name from here.

/** The workers' gauge of calls in progress (a Pods metric for `targetActiveCallsPerPod`). */
export const activeCallsMetric = 'switchyard_active_calls';
