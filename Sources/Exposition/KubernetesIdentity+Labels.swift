import Metering

extension KubernetesIdentity {
    /// Label values in the order of ``MetricCatalog/kubernetesLabels``.
    var labelValues: [String] {
        [pv, pvc, pvcNamespace, volumeSnapshot, volumeSnapshotNamespace, volumeSnapshotContent, clusterName]
    }
}
