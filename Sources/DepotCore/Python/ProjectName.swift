/// The three kinds of Python distribution files an index lists.
public enum PythonFileKind: String, Sendable, Equatable, CaseIterable {
    case wheel, sdist, egg
}

/// Python project names: PEP 503 normalisation, the PEP 508 validity rule, and what a
/// distribution filename says about the project and version it belongs to.
public enum ProjectName {
    /// PEP 503: lowercase, and every run of `-`, `_`, `.` becomes a single `-`.
    /// `FrIeNdLy-._.-bArD` → `friendly-bard`.
    public static func normalize(_ name: String) -> String {
        var out = String.UnicodeScalarView()
        var inSeparatorRun = false
        for scalar in name.lowercased().unicodeScalars {
            if scalar == "-" || scalar == "_" || scalar == "." {
                if !inSeparatorRun { out.append("-") }
                inSeparatorRun = true
            } else {
                out.append(scalar)
                inSeparatorRun = false
            }
        }
        return String(out)
    }

    /// PEP 508: ASCII letters and digits, with `-`, `_`, `.` allowed inside; at most 200 characters.
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, let last = bytes.last, bytes.count <= 200 else { return false }
        guard PyByte.isAlphanumeric(first), PyByte.isAlphanumeric(last) else { return false }
        return bytes.allSatisfy { PyByte.isAlphanumeric($0) || $0 == 0x2d || $0 == 0x5f || $0 == 0x2e }
    }

    /// The kind of distribution a filename names, by its extension (case-insensitive);
    /// nil for anything else, including an extension with nothing before it.
    public static func kind(of filename: String) -> PythonFileKind? {
        splitExtension(filename)?.kind
    }

    /// The project name (as spelled in the filename, not normalised) and version of a distribution file.
    /// - wheel `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl` (PEP 427/491);
    /// - sdist `{name}-{version}.tar.gz|.zip|.tar.bz2|.tgz|.tar.xz`: the name is everything before the
    ///   last `-` followed by a digit (`my-pkg-1.0.tar.gz` → `my-pkg`, `1.0`); an sdist without such a
    ///   dash answers its whole stem as the name and a nil version;
    /// - egg `{name}-{version}(-…).egg`.
    /// nil when the filename does not look like a distribution.
    public static func fromFilename(_ filename: String) -> (name: String, version: String?)? {
        guard let (kind, stem) = splitExtension(filename) else { return nil }
        switch kind {
        case .wheel: return wheelParts(stem)
        case .sdist: return sdistParts(stem)
        case .egg: return eggParts(stem)
        }
    }

    // MARK: - Filename parts

    private static let extensions: [(suffix: String, kind: PythonFileKind)] = [
        (".whl", .wheel),
        (".tar.gz", .sdist), (".zip", .sdist), (".tar.bz2", .sdist), (".tgz", .sdist), (".tar.xz", .sdist),
        (".egg", .egg),
    ]

    /// The kind and the part of the filename before its extension.
    private static func splitExtension(_ filename: String) -> (kind: PythonFileKind, stem: String)? {
        let bytes = Array(filename.utf8)
        for (suffix, kind) in extensions {
            let tail = Array(suffix.utf8)
            guard bytes.count > tail.count else { continue }
            let candidate = bytes[(bytes.count - tail.count)...]
            if zip(candidate, tail).allSatisfy({ PyByte.lowercased($0) == $1 }) {
                return (kind, String(decoding: bytes[..<(bytes.count - tail.count)], as: UTF8.self))
            }
        }
        return nil
    }

    private static func wheelParts(_ stem: String) -> (name: String, version: String?)? {
        let parts = stem.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5 || parts.count == 6, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        let name = parts[0], version = parts[1]
        guard isValid(name), isVersion(version, allowDash: false), version.utf8.first.map(PyByte.isDigit) == true else {
            return nil
        }
        if parts.count == 6 {
            // PEP 427: the build tag starts with a digit.
            guard parts[2].utf8.first.map(PyByte.isDigit) == true, isTag(parts[2]) else { return nil }
        }
        guard parts.suffix(3).allSatisfy(isTag) else { return nil }
        return (name, version)
    }

    private static func sdistParts(_ stem: String) -> (name: String, version: String?)? {
        let bytes = Array(stem.utf8)
        var split: Int?
        if bytes.count >= 3 {
            for index in stride(from: bytes.count - 2, through: 1, by: -1)
            where bytes[index] == 0x2d && PyByte.isDigit(bytes[index + 1]) {
                split = index
                break
            }
        }
        guard let split else {
            return isValid(stem) ? (stem, nil) : nil
        }
        let name = String(decoding: bytes[..<split], as: UTF8.self)
        let version = String(decoding: bytes[(split + 1)...], as: UTF8.self)
        guard isValid(name), isVersion(version, allowDash: true) else { return nil }
        return (name, version)
    }

    private static func eggParts(_ stem: String) -> (name: String, version: String?)? {
        let parts = stem.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard isValid(parts[0]) else { return nil }
        guard parts.count >= 2 else { return (parts[0], nil) }
        guard isVersion(parts[1], allowDash: false), parts.dropFirst(2).allSatisfy({ isTag($0) && !$0.isEmpty }) else {
            return nil
        }
        return (parts[0], parts[1])
    }

    /// Version text: letters, digits and `.!+_` (and `-` for legacy sdists).
    private static func isVersion(_ text: String, allowDash: Bool) -> Bool {
        !text.isEmpty && text.utf8.count <= 128 && text.utf8.allSatisfy { byte in
            PyByte.isAlphanumeric(byte) || byte == 0x2e || byte == 0x21 || byte == 0x2b || byte == 0x5f
                || (allowDash && byte == 0x2d)
        }
    }

    /// Wheel and egg tags: letters, digits, `.` and `_`.
    private static func isTag(_ text: String) -> Bool {
        text.utf8.allSatisfy { PyByte.isAlphanumeric($0) || $0 == 0x2e || $0 == 0x5f }
    }
}

/// ASCII byte classes shared by the Python parsers.
enum PyByte {
    static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
    static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte) }
    static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) }
    static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }
    static func lowercased(_ byte: UInt8) -> UInt8 { (0x41...0x5a).contains(byte) ? byte + 0x20 : byte }
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0a || byte == 0x0c || byte == 0x0d
    }
}
