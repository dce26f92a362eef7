/// A package directory of a CRAN-like repository, named the way R's `contrib.url(repos, type)` names it:
/// `src/contrib` for source packages and `bin/<platform>/contrib/<R major.minor>` for binary ones.
///
/// | `type` (`.Platform$pkgType`)  | directory                                  | files  |
/// | ----------------------------- | ------------------------------------------ | ------ |
/// | `source`                      | `src/contrib`                              | `.tar.gz` |
/// | `win.binary`                  | `bin/windows/contrib/4.4`                  | `.zip` |
/// | `mac.binary` (R < 4.3 Intel)  | `bin/macosx/contrib/4.2`                   | `.tgz` |
/// | `mac.binary.big-sur-x86_64`   | `bin/macosx/big-sur-x86_64/contrib/4.4`    | `.tgz` |
/// | `mac.binary.big-sur-arm64`    | `bin/macosx/big-sur-arm64/contrib/4.4`     | `.tgz` |
///
/// (`tools:::.get_pkg_file_pattern` and `utils::download.packages` take `.zip` for `win.binary` and `.tgz` for every
/// `mac.binary*` type.) A CRAN-like repository has no listing, so a mirror looks for each directory of `binaries`.
public struct RContribDirectory: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case source = "src/contrib"
        case windows = "bin/windows/contrib"
        case macos = "bin/macosx/contrib"
        case macosBigSurX86 = "bin/macosx/big-sur-x86_64/contrib"
        case macosBigSurArm = "bin/macosx/big-sur-arm64/contrib"

        /// The ending of the package files R downloads from such a directory.
        public var fileExtension: String {
            switch self {
            case .source: ".tar.gz"
            case .windows: ".zip"
            case .macos, .macosBigSurX86, .macosBigSurArm: ".tgz"
            }
        }

        /// What the files are, for messages: "Windows binary packages".
        public var packageKind: String {
            switch self {
            case .source: "source packages"
            case .windows: "Windows binary packages"
            case .macos, .macosBigSurX86, .macosBigSurArm: "macOS binary packages"
            }
        }
    }

    /// The R versions (major.minor) whose binary directories a mirror looks for. CRAN builds binaries for the
    /// release and the previous and next versions and keeps the directories of older ones; R 4.0 (2020) is the
    /// oldest worth looking for, and 4.6 is R-devel as of 2026. Add the next version here when R-devel moves on.
    /// Each version costs a mirror run up to eight small requests (two per platform) on a source without binaries.
    public static let rVersions = ["4.0", "4.1", "4.2", "4.3", "4.4", "4.5", "4.6"]

    public let kind: Kind
    /// The R version of a binary directory; nil for `src/contrib`.
    public let rVersion: String?

    public static let source = RContribDirectory(kind: .source, rVersion: nil)

    /// Every binary directory a mirror looks for, Windows first.
    public static let binaries: [RContribDirectory] = Kind.allCases.filter { $0 != .source }.flatMap { kind in
        rVersions.map { RContribDirectory(kind: kind, rVersion: $0) }
    }

    /// The directory below the repository root: `src/contrib`, `bin/windows/contrib/4.4`.
    public var path: String { rVersion.map { "\(kind.rawValue)/\($0)" } ?? kind.rawValue }
    /// Where Depot keeps its packages: `cran/` + `path`.
    public var subdir: String { "cran/" + path }
    public var isBinary: Bool { kind != .source }
    public var fileExtension: String { kind.fileExtension }
    public var description: String { path }

    /// The directory a request path below a repository's root names (one of `source` and `binaries`, nothing
    /// else), with the segments after it: `["bin", "windows", "contrib", "4.4", "PACKAGES"]` is the Windows 4.4
    /// directory and `["PACKAGES"]`.
    public static func match(_ segments: [String]) -> (directory: RContribDirectory, rest: ArraySlice<String>)? {
        let joined = segments.joined(separator: "/") + "/"
        for kind in Kind.allCases {
            guard joined.hasPrefix(kind.rawValue + "/") else { continue }
            var rest = segments.dropFirst(kind.rawValue.split(separator: "/").count)
            if kind == .source { return (source, rest) }
            guard let version = rest.first, rVersions.contains(version) else { return nil }
            rest = rest.dropFirst()
            return (RContribDirectory(kind: kind, rVersion: version), rest)
        }
        return nil
    }
}
