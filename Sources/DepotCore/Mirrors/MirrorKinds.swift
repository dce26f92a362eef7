/// What a mirror copies.
public enum MirrorType: String, CaseIterable, Sendable, Codable {
    case conda
    case python
    case r

    public var title: String {
        switch self {
        case .conda: "Conda"
        case .python: "Std Python"
        case .r: "Std R"
        }
    }
}

/// Active mirrors download every kept file during the run; passive ones fetch a file on its first request.
public enum MirrorMode: String, CaseIterable, Sendable, Codable {
    case active
    case passive

    public var title: String { rawValue.capitalized }
}

/// Where a mirror's run is.
public enum RunStatus: String, CaseIterable, Sendable, Codable {
    case queued
    case running
    case stopping
    case stopped
    case completed
    case failed
    case interrupted

    public var title: String { rawValue.capitalized }
    public var isActive: Bool { self == .queued || self == .running || self == .stopping }
}

/// Why a package of the source was not published.
public enum FilterReason: String, CaseIterable, Sendable, Codable {
    case notCondaPackage = "not_conda_package"
    case invalidFilename = "invalid_filename"
    case invalidRecord = "invalid_record"
    case duplicate
    case hashMismatch = "hash_mismatch"
    case upstreamError = "upstream_error"
    case excluded
    case notPythonPackage = "not_python_package"
    case hostNotAllowed = "host_not_allowed"
    case license
    case notRPackage = "not_r_package"
    case subdirNotSelected = "subdir_not_selected"
    /// Detail: the block rule that matched.
    case blockedByRule = "blocked_by_rule"
    case notAllowed = "not_allowed"
    case tooNew = "too_new"
    case tooOld = "too_old"

    public var title: String {
        switch self {
        case .notCondaPackage: "not a conda package"
        case .invalidFilename: "invalid filename"
        case .invalidRecord: "invalid record"
        case .duplicate: "provided by an earlier mirror"
        case .hashMismatch: "hash mismatch"
        case .upstreamError: "upstream error"
        case .excluded: "excluded by pattern"
        case .notPythonPackage: "not a Python package"
        case .hostNotAllowed: "file host not allowed"
        case .license: "excluded by licence"
        case .notRPackage: "not an R package"
        case .subdirNotSelected: "subdir not selected by the policy"
        case .blockedByRule: "blocked by a policy rule"
        case .notAllowed: "not matched by any allow rule"
        case .tooNew: "too new (cooling-off period)"
        case .tooOld: "older than the policy allows"
        }
    }
}
