import Exposition
import Foundation
import Metering
import Reports
import Testing

@Suite("Quotas")
struct QuotaTests {
    static func image(_ pool: String, _ namespace: String, _ name: String, used: UInt64, pvcNamespace: String = "") -> ImageUsage {
        ImageUsage(pool: pool, namespace: namespace, image: name, id: name, provisionedBytes: 100 << 30, usedBytes: used / 2, totalUsedBytes: used,
                   snapshots: 0, kubernetes: KubernetesIdentity(pvcNamespace: pvcNamespace))
    }

    static let pools = [
        PoolState(pool: "k8s", images: [
            image("k8s", "", "pvc-a", used: 90 << 30, pvcNamespace: "shop"),
            image("k8s", "", "pvc-b", used: 5 << 30, pvcNamespace: "shop"),
            image("k8s", "team", "pvc-c", used: 40 << 30, pvcNamespace: "billing"),
        ], namespaces: ["", "team", "idle"]),
        PoolState(pool: "other", images: [image("other", "", "vm", used: 1 << 30)]),
    ]

    @Test("a rule counts the pool's trash only when it says so")
    func trashCountsWhenAsked() {
        var pool = PoolState(pool: "k8s", images: [Self.image("k8s", "", "live", used: 10 << 30)])
        pool.trash = [TrashUsage(usage: Self.image("k8s", "", "deleted", used: 30 << 30), source: .user, deletedAt: 0, defermentEndsAt: 0)]
        let rules = [
            QuotaRule(name: "live", scope: .pool, limitBytes: 100 << 30),
            QuotaRule(name: "all", scope: .pool, limitBytes: 100 << 30, includesTrash: true),
        ]
        let statuses = QuotaEvaluator.evaluate(rules, pools: [pool])
        #expect(statuses.first { $0.rule.name == "live" }?.usedBytes == 10 << 30)
        #expect(statuses.first { $0.rule.name == "all" }?.usedBytes == 40 << 30)
    }

    @Test("each scope sums what it covers and grades it against the thresholds")
    func scopesAndLevels() {
        let rules = [
            QuotaRule(name: "image", scope: .image, pool: "k8s", image: "pvc-*", limitBytes: 100 << 30),
            QuotaRule(name: "namespace", scope: .namespace, pool: "k8s", limitBytes: 100 << 30),
            QuotaRule(name: "tenant", scope: .pvcNamespace, pvcNamespace: "shop", limitBytes: 100 << 30),
            QuotaRule(name: "pool", scope: .pool, limitBytes: 200 << 30, counted: .provisioned, warningRatio: 1, criticalRatio: 1.5),
        ]
        let statuses = QuotaEvaluator.evaluate(rules, pools: Self.pools)
        func find(_ rule: String, _ subject: String) -> QuotaStatus? { statuses.first { $0.rule.name == rule && $0.subject == subject } }
        #expect(find("image", "k8s/pvc-a")?.level == .warning)
        #expect(find("image", "k8s/pvc-b")?.level == .ok)
        #expect(find("image", "other/vm") == nil, "other pools are not covered")
        #expect(find("namespace", "k8s/(default)")?.usedBytes == 95 << 30)
        #expect(find("namespace", "k8s/(default)")?.level == .critical)
        #expect(find("namespace", "k8s/idle")?.usedBytes == 0, "an empty namespace still shows")
        #expect(find("tenant", "k8s:shop")?.usedBytes == 95 << 30)
        #expect(statuses.filter { $0.rule.name == "tenant" }.count == 1, "only the matching Kubernetes namespace")
        #expect(find("pool", "k8s")?.usedBytes == 300 << 30, "provisioned bytes counted")
        #expect(find("pool", "k8s")?.level == .critical)
        #expect(find("pool", "other")?.level == .ok)
    }

    @Test("quota metrics carry the rule, the scope and the subject")
    func quotaMetrics() {
        var snapshot = MeterSnapshot()
        for pool in Self.pools { snapshot.pools[pool.pool] = pool }
        let rule = QuotaRule(name: "tenant", scope: .pvcNamespace, pvcNamespace: "shop", limitBytes: 100 << 30)
        let text = MetricsWriter.render([QuotaCollector(rules: [rule], snapshot: snapshot)], format: .prometheus)
        let labels = #"{rule="tenant",scope="pvc_namespace",pool="",namespace="",image="",pvc_namespace="shop"}"#
        #expect(text.contains("rbd_quota_bytes\(labels) 107374182400\n"))
        #expect(text.contains("rbd_quota_used_bytes\(labels) 102005473280\n"))
        #expect(text.contains("rbd_quota_used_ratio\(labels) 0.95\n"))
        #expect(text.contains("rbd_quota_warning_ratio\(labels) 0.8\n"))
        #expect(text.contains("rbd_quota_critical_ratio\(labels) 0.95\n"))
    }
}
