/// The two conda package formats.
public enum CondaFormat: String, Sendable, CaseIterable {
    case tarBz2 = ".tar.bz2"
    case conda = ".conda"

    /// The repodata section a file of this format is listed in.
    public var section: String { self == .conda ? "packages.conda" : "packages" }

    public static func of(_ filename: String) -> CondaFormat? {
        if filename.hasSuffix(".conda") { return .conda }
        if filename.hasSuffix(".tar.bz2") { return .tarBz2 }
        return nil
    }
}

public enum CondaFilename {
    /// A filename that is safe to store and put in a URL: no path separators, no `..`, printable ASCII only.
    public static func isSafe(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255, name != ".", name != "..", !name.hasPrefix(".") else { return false }
        return name.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
                || byte == 0x2d || byte == 0x2e || byte == 0x5f || byte == 0x2b || byte == 0x21
        } && !name.contains("..")
    }

    /// conda subdir names: `noarch`, `linux-64`, `osx-arm64`, `win-64`, `emscripten-wasm32`, …
    public static func isSubdir(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 40 && name.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x61...0x7a).contains(byte) || byte == 0x2d || byte == 0x5f
        } && name.utf8.first.map { (0x61...0x7a).contains($0) } == true
    }
}
