import DepotCore
import DepotStore
import Foundation
import Logging

/// One run of a CRAN-like mirror. Source packages first: read `src/contrib/PACKAGES.gz` (else `PACKAGES`), keep
/// the packages the name and licence filters allow, download what an active mirror lacks (verified by MD5sum),
/// and keep a superseded version under `src/contrib/Archive/<pkg>/`. Then binary packages: look for each
/// directory of `RContribDirectory.binaries` (a source need not offer any) and mirror those found the same way,
/// except that a superseded binary is dropped, as CRAN does. Each directory is published on its own; a binary
/// directory that cannot be read fails the run but leaves the rest published.
struct RMirrorRun: RunSteps {
    let engine: MirrorEngine.Parts
    let mirror: MirrorRecord
    let run: RunRecord
    let logger: Logger

    static let current = RContribDirectory.source.subdir
    static func archive(_ package: String) -> String { "\(current)/Archive/\(package)" }
    static let maxIndexBytes = 256 << 20
    /// Binary directories looked for at once.
    static let probeConcurrency = 8

    /// The mirror's name and licence filters.
    struct Filters {
        let exclude: NamePatterns
        let include: NamePatterns
        let licences: Set<RLicenseFamily>

        init(_ mirror: MirrorRecord) {
            exclude = NamePatterns(text: mirror.exclude)
            include = NamePatterns(text: mirror.include)
            licences = RLicenseFilter.families(mirror.licenseExclude)
        }
    }

    /// What asking for a directory's `PACKAGES.gz` and `PACKAGES` gave.
    enum IndexFetch {
        case text(String)
        /// Neither answered 200: the status of `PACKAGES`.
        case unavailable(status: Int)
        case failed(String)
    }

    func execute(counts: inout AppDatabase.RunCounts) async throws -> [String] {
        let source = try SourceURL(validating: mirror.sourceURL)
        let filters = Filters(mirror)
        let existing = try await database.packages(mirrorID: mirrorID, subdirPrefix: "cran/")

        // Source packages: a source without a readable src/contrib/PACKAGES is not a CRAN-like repository.
        try await progress("Fetching index", "Fetching src/contrib/PACKAGES")
        let text: String
        switch try await fetchIndex(.source, source: source) {
        case .text(let body): text = body
        case .unavailable(let status):
            throw RunFailure("src/contrib/PACKAGES answered HTTP \(status); check the source URL (a CRAN-like repository root).")
        case .failed(let message): throw RunFailure("The package index could not be read: \(message)")
        }
        let records: [[(String, String)]]
        do {
            records = try DCF.parse(text)
        } catch {
            throw RunFailure("src/contrib/PACKAGES is malformed: \(error)")
        }
        try await mirrorSource(records, source: source, existing: existing, filters: filters, counts: &counts)

        // Binary packages, where the source offers them.
        return try await mirrorBinaries(source: source, existing: existing, filters: filters, counts: &counts)
    }

    func mirrorSource(
        _ records: [[(String, String)]], source: SourceURL, existing: [String: [String: PackageRecord]], filters: Filters,
        counts: inout AppDatabase.RunCounts
    ) async throws {
        counts.source += records.count
        var filtered: [FilteredRecord] = []
        let current = existing[Self.current] ?? [:]
        let upserts = select(records, in: .source, previous: current, source: source, filters: filters, filtered: &filtered)
        let keptNames = Set(upserts.map(\.filename)), keptPackages = Set(upserts.map(\.name))
        // A version that left the index moves to Archive/<pkg>/ when its package is still mirrored.
        var removals: [String] = []
        var archived: [PackageRecord] = []
        for (filename, old) in current where !keptNames.contains(filename) {
            removals.append(filename)
            if keptPackages.contains(old.name) {
                var moved = old
                moved.id = nil
                moved.subdir = Self.archive(old.name)
                moved.upstreamURL = source.appending("src/contrib/Archive/\(old.name)/\(filename)")
                archived.append(moved)
            }
        }
        try await publish(.source, upserts: upserts, removals: removals, archived: archived, filtered: filtered, counts: &counts)
    }

    /// Looks for every binary directory, `probeConcurrency` at a time, and mirrors each one found as its answer
    /// arrives (so at most `probeConcurrency` indexes are held at once). Answers the directories that failed.
    func mirrorBinaries(
        source: SourceURL, existing: [String: [String: PackageRecord]], filters: Filters, counts: inout AppDatabase.RunCounts
    ) async throws -> [String] {
        let directories = RContribDirectory.binaries
        try await progress("Looking for binaries", "Looking for binary packages in \(directories.count) directories")
        var failures: [String] = []
        try await withThrowingTaskGroup(of: (RContribDirectory, IndexFetch).self) { group in
            var next = 0
            func launch() {
                guard next < directories.count else { return }
                let directory = directories[next]
                next += 1
                group.addTask { (directory, try await fetchIndex(directory, source: source)) }
            }
            for _ in 0..<min(Self.probeConcurrency, directories.count) { launch() }
            while let (directory, fetched) = try await group.next() {
                try Task.checkCancellation()
                let old = existing[directory.subdir] ?? [:]
                switch fetched {
                case .unavailable(let status) where status == 404 || status == 410:
                    // Not offered (any more): not an error, and nothing to report.
                    if !old.isEmpty {
                        try await publish(directory, upserts: [], removals: Array(old.keys), archived: [], filtered: [], counts: &counts)
                    }
                case .unavailable(let status):
                    failures.append("\(directory.path)/PACKAGES answered HTTP \(status)")
                case .failed(let message):
                    failures.append("\(directory.path): \(message)")
                case .text(let text):
                    let records: [[(String, String)]]
                    do {
                        records = try DCF.parse(text)
                    } catch {
                        failures.append("\(directory.path)/PACKAGES is malformed: \(error)")
                        break
                    }
                    counts.source += records.count
                    try await progress("Reading index", "Reading \(directory.path)/PACKAGES (\(records.count.formatted()) entries)")
                    var filtered: [FilteredRecord] = []
                    let upserts = select(records, in: directory, previous: old, source: source, filters: filters, filtered: &filtered)
                    let kept = Set(upserts.map(\.filename))
                    // CRAN keeps only the latest binary: a superseded one goes.
                    let removals = old.keys.filter { !kept.contains($0) }
                    try await publish(directory, upserts: upserts, removals: removals, archived: [], filtered: filtered, counts: &counts)
                }
                launch()
            }
        }
        for failure in failures {
            logger.warning("binary directory not mirrored", metadata: ["reason": "\(failure)"])
        }
        return failures.sorted()
    }

    /// The entries of one directory's PACKAGES that pass the filters, as package rows: the newest entry per package,
    /// with its file named `<pkg>_<version><ending>` (what R asks for) whatever `File` says.
    func select(
        _ records: [[(String, String)]], in directory: RContribDirectory, previous: [String: PackageRecord], source: SourceURL,
        filters: Filters, filtered: inout [FilteredRecord]
    ) -> [PackageRecord] {
        func filter(_ name: String, _ reason: FilterReason, _ detail: String) {
            filtered.append(FilteredRecord(runID: run.id!, subdir: directory.subdir, filename: String(name.prefix(300)), reason: reason.rawValue, detail: detail))
        }
        // The newest entry per package wins; the others are reported.
        var chosen: [String: (version: String, fields: [(String, String)])] = [:]
        for fields in records {
            let get = { (key: String) in fields.first(where: { $0.0 == key })?.1 }
            guard let name = get("Package"), let version = get("Version") else {
                filter(get("Package") ?? "(no name)", .invalidRecord, "an entry of \(directory.path)/PACKAGES lacks Package or Version")
                continue
            }
            guard RPackageRecord.isValidName(name), RPackageVersion(version) != nil else {
                filter(name, .invalidRecord, "“\(name) \(version)” is not a valid package name and version")
                continue
            }
            if let previous = chosen[name] {
                let newer = RPackageVersion(previous.version)! < RPackageVersion(version)!
                filter(name, .duplicate, "\(directory.path)/PACKAGES lists \(name) twice (\(previous.version), \(version)); kept \(newer ? version : previous.version)")
                if !newer { continue }
            }
            chosen[name] = (version, fields)
        }

        var upserts: [PackageRecord] = []
        for (name, entry) in chosen.sorted(by: { $0.key < $1.key }) {
            let get = { (key: String) in entry.fields.first(where: { $0.0 == key })?.1 }
            let decision = NamePatterns.decide(name: name.lowercased(), exclude: filters.exclude, include: filters.include)
            guard decision.kept else { filter(name, .excluded, "excluded by pattern \(decision.pattern ?? "?")"); continue }
            if let licence = get("License"),
               RLicenseFilter.isExcluded(license: licence, isFOSS: get("License_is_FOSS"), restrictsUse: get("License_restricts_use"), excluded: filters.licences)
            {
                filter(name, .license, "licence “\(licence)” falls in an excluded family")
                continue
            }
            // `File` names the package file and `Path` a folder below the directory; both must stay inside it.
            let ending = directory.fileExtension
            let file = get("File") ?? "\(name)_\(entry.version)\(ending)"
            let path = get("Path")
            guard SimpleIndexParser.isSafeFilename(file), path.map(RName.isSafeRelativePath) ?? true else {
                filter(name, .invalidFilename, "File or Path points outside \(directory.path)")
                continue
            }
            guard file.hasSuffix(ending) else {
                filter(name, .notRPackage, "“\(file)” in \(directory.path): only \(directory.kind.packageKind) (\(ending)) are mirrored from it")
                continue
            }
            let md5 = get("MD5sum")?.lowercased()
            let served = entry.fields.filter { $0.0 != "File" && $0.0 != "Path" }
            let canonical = "\(name)_\(entry.version)\(ending)"
            let upstream = source.appending("\(directory.path)/" + (path.map { $0 + "/" } ?? "") + file)
            let previous = previous[canonical]
            upserts.append(PackageRecord(
                channelID: mirror.channelID, mirrorID: mirrorID, subdir: directory.subdir, filename: canonical, name: name,
                version: entry.version, build: "", size: nil, sha256: nil, md5: md5, record: DCF.write([served]), mode: mirror.mode,
                upstreamURL: upstream, blobSHA256: previous?.md5 == md5 ? previous?.blobSHA256 : nil))
        }
        return upserts
    }

    /// Downloads what an active mirror lacks of one directory, then applies its change (and the versions moved to
    /// Archive/) in one transaction with its filtered items.
    func publish(
        _ directory: RContribDirectory, upserts: [PackageRecord], removals: [String], archived: [PackageRecord],
        filtered: [FilteredRecord], counts: inout AppDatabase.RunCounts
    ) async throws {
        var upserts = upserts, filtered = filtered
        if mirror.mode == MirrorMode.active.rawValue {
            var failed: Set<String> = []
            try await downloadMissing(&upserts, label: directory.path, counts: &counts, filtered: &filtered, failed: &failed)
            try await engine.blobs.flush()
            upserts.removeAll { failed.contains($0.filename) && $0.blobSHA256 == nil }
        }
        try Task.checkCancellation()
        try await progress("Publishing", "Publishing \(upserts.count.formatted()) packages of \(directory.path)")
        var changes: [String: SubdirChange] = [directory.subdir: SubdirChange(upserts: upserts, removals: removals)]
        for package in archived {
            changes[package.subdir, default: SubdirChange(upserts: [], removals: [])].upserts.append(package)
        }
        try await database.apply(changes, channelID: mirror.channelID, mirrorID: mirrorID)
        try await database.recordFiltered(filtered)
        counts.kept += upserts.count
        counts.filtered += filtered.count
    }

    /// `PACKAGES.gz`, else `PACKAGES`, of one directory.
    func fetchIndex(_ directory: RContribDirectory, source: SourceURL) async throws -> IndexFetch {
        let base = directory.path + "/PACKAGES"
        do {
            let gz = try await engine.client.fetch(source.appending(base + ".gz"), limit: Self.maxIndexBytes)
            if gz.status == 200 {
                do {
                    return .text(String(decoding: try Gzip.decompress(gz.body, limit: Self.maxIndexBytes), as: UTF8.self))
                } catch {
                    return .failed("\(base).gz could not be decompressed: \(error)")
                }
            }
            let plain = try await engine.client.fetch(source.appending(base), limit: Self.maxIndexBytes)
            guard plain.status == 200 else { return .unavailable(status: plain.status) }
            return .text(String(decoding: plain.body, as: UTF8.self))
        } catch let error as UpstreamError {
            return .failed(error.description)
        }
    }
}

/// Paths a PACKAGES entry may name below its directory.
enum RName {
    static func isSafeRelativePath(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && !path.contains("\\") && path.split(separator: "/").allSatisfy { $0 != ".." && $0 != "." && !$0.isEmpty }
    }
}
