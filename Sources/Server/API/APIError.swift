import Foundation
import HTTPTypes
import Hummingbird
import Metering
import NIOCore
import RBD

/// Every API error: a status and a JSON body `{"error": CODE, "message": TEXT}`.
public struct APIError: Error, HTTPResponseError, Sendable, Equatable {
    public var status: HTTPResponse.Status
    /// A stable, machine-readable code such as `not_found` or `in_use`.
    public var code: String
    /// What went wrong, for people; never contains a secret.
    public var message: String

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSONBody.response(status, ["error": code, "message": message])
        if status == .unauthorized {
            response.headers[.wwwAuthenticate] = #"Bearer realm="rbd-meter", Basic realm="rbd-meter""#
        }
        return response
    }

    static func badParameter(_ name: String, _ message: String) -> APIError {
        APIError(.badRequest, "bad_parameter", "\(name): \(message)")
    }

    /// Maps a Ceph failure onto the status a client can act on.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let api as APIError:
            return api
        case let rbd as RBDError:
            switch rbd.kind {
            case .notFound: return APIError(.notFound, "not_found", rbd.description)
            case .alreadyExists: return APIError(.conflict, "already_exists", rbd.description)
            case .busy: return APIError(.conflict, "in_use", rbd.description)
            case .notEmpty: return APIError(.conflict, "not_empty", rbd.description)
            case .timedOut: return APIError(.serviceUnavailable, "cluster_unavailable", rbd.description)
            case .invalidArgument: return APIError(.badRequest, "rejected_by_ceph", rbd.description)
            // The API's Ceph key may not do this (api.ceph names a key of its own for changes).
            case .permissionDenied: return APIError(.forbidden, "ceph_permission_denied", "the API's Ceph client may not do this: \(rbd.description)")
            case .cancelled, .blocklisted, .other: return APIError(.badGateway, "ceph_error", rbd.description)
            }
        case let failure as ScanFailure:
            return failure.clusterUnreachable || failure.reason == .timeout
                ? APIError(.serviceUnavailable, "cluster_unavailable", failure.message)
                : APIError(.badGateway, "ceph_error", failure.message)
        default:
            return APIError(.internalServerError, "internal_error", "\(error)")
        }
    }
}
