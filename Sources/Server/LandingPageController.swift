import Exposition
import Hummingbird
import NIOCore

/// `GET /`: a page naming the exporter and linking its endpoints, as Prometheus exporters answer a
/// person who opens their address in a browser.
struct LandingPageController {
    /// The endpoints linked from the page, with what each answers.
    static let links: [(path: String, what: String)] = [
        ("/metrics", "metrics in the Prometheus text format (OpenMetrics on request)"),
        ("/readyz", "200 once a scan brought fresh numbers recently"),
        ("/healthz", "200 while the process runs"),
        ("/openapi.json", "the REST API under /v1, as an OpenAPI 3 document"),
    ]

    let page: ByteBuffer

    init(version: String) {
        let items = Self.links.map { #"<li><a href="\#($0.path)">\#($0.path)</a>: \#($0.what)</li>"# }.joined(separator: "\n")
        page = ByteBuffer(string: """
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><title>rbd-meter</title></head>
            <body>
            <h1>rbd-meter</h1>
            <p>Meters how much of each Ceph RBD image is really allocated. Version \(version).</p>
            <ul>
            \(items)
            </ul>
            </body>
            </html>

            """)
    }

    func addRoutes(to router: Router<MeterRequestContext>) {
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: self.page))
        }
    }
}
