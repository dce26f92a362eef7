import DepotCore
import DepotStore
import Foundation
import Logging

/// One run of a CRAN-like mirror: read `src/contrib/PACKAGES.gz` (else `PACKAGES`), keep the packages the
/// name and licence filters allow, download what an active mirror lacks (verified by MD5sum), and keep a
/// superseded version under `src/contrib/Archive/<pkg>/`.
struct RMirrorRun: RunSteps {
    let engine: MirrorEngine.Parts
    let mirror: MirrorRecord
    let run: RunRecord
    let logger: Logger

    static let current = "cran/src/contrib"
    static func archive(_ package: String) -> String { "cran/src/contrib/Archive/\(package)" }
    static let maxIndexBytes = 256 << 20

    func execute(counts: inout AppDatabase.RunCounts) async throws -> [String] {
        let source = try SourceURL(validating: mirror.sourceURL)
        try await progress("Fetching index", "Fetching src/contrib/PACKAGES")
        let text = try await fetchIndex(source)
        let records: [[(String, String)]]
        do {
            records = try DCF.parse(text)
        } catch {
            throw RunFailure("src/contrib/PACKAGES is malformed: \(error)")
        }
        counts.source = records.count
        let exclude = NamePatterns(text: mirror.exclude), include = NamePatterns(text: mirror.include)
        let excludedLicences = RLicenseFilter.families(mirror.licenseExclude)
        var filtered: [FilteredRecord] = []
        func filter(_ name: String, _ reason: FilterReason, _ detail: String) {
            filtered.append(FilteredRecord(runID: run.id!, subdir: Self.current, filename: String(name.prefix(300)), reason: reason.rawValue, detail: detail))
        }

        // The newest entry per package wins; the others are reported.
        var chosen: [String: (version: String, fields: [(String, String)])] = [:]
        for fields in records {
            let get = { (key: String) in fields.first(where: { $0.0 == key })?.1 }
            guard let name = get("Package"), let version = get("Version") else {
                filter(get("Package") ?? "(no name)", .invalidRecord, "an entry lacks Package or Version")
                continue
            }
            guard RPackageRecord.isValidName(name), RPackageVersion(version) != nil else {
                filter(name, .invalidRecord, "“\(name) \(version)” is not a valid package name and version")
                continue
            }
            if let previous = chosen[name] {
                let newer = RPackageVersion(previous.version)! < RPackageVersion(version)!
                filter(name, .duplicate, "the index lists \(name) twice (\(previous.version), \(version)); kept \(newer ? version : previous.version)")
                if !newer { continue }
            }
            chosen[name] = (version, fields)
        }

        let existing = try await database.packages(mirrorID: mirrorID, subdirPrefix: "cran/")
        let current = existing[Self.current] ?? [:]
        var upserts: [PackageRecord] = []
        var archived: [PackageRecord] = []
        var keptNames = Set<String>()
        for (name, entry) in chosen.sorted(by: { $0.key < $1.key }) {
            let get = { (key: String) in entry.fields.first(where: { $0.0 == key })?.1 }
            let decision = NamePatterns.decide(name: name.lowercased(), exclude: exclude, include: include)
            guard decision.kept else { filter(name, .excluded, "excluded by pattern \(decision.pattern ?? "?")"); continue }
            if let licence = get("License"),
               RLicenseFilter.isExcluded(license: licence, isFOSS: get("License_is_FOSS"), restrictsUse: get("License_restricts_use"), excluded: excludedLicences)
            {
                filter(name, .license, "licence “\(licence)” falls in an excluded family")
                continue
            }
            // `File` names the tarball and `Path` a folder below src/contrib; both must stay inside it.
            let file = get("File") ?? "\(name)_\(entry.version).tar.gz"
            let path = get("Path")
            guard SimpleIndexParser.isSafeFilename(file), path.map(RName.isSafeRelativePath) ?? true else {
                filter(name, .invalidFilename, "File or Path points outside src/contrib")
                continue
            }
            guard file.hasSuffix(".tar.gz") else { filter(name, .notRPackage, "only source packages (.tar.gz) are mirrored"); continue }
            let md5 = get("MD5sum")?.lowercased()
            let served = entry.fields.filter { $0.0 != "File" && $0.0 != "Path" }
            let canonical = "\(name)_\(entry.version).tar.gz"
            let upstream = source.appending("src/contrib/" + (path.map { $0 + "/" } ?? "") + file)
            keptNames.insert(canonical)
            let previous = current[canonical]
            upserts.append(PackageRecord(
                channelID: mirror.channelID, mirrorID: mirrorID, subdir: Self.current, filename: canonical, name: name,
                version: entry.version, build: "", size: nil, sha256: nil, md5: md5, record: DCF.write([served]), mode: mirror.mode,
                upstreamURL: upstream, blobSHA256: previous?.md5 == md5 ? previous?.blobSHA256 : nil))
        }
        // A version that left the index moves to Archive/<pkg>/ when its package is still mirrored.
        var removals: [String] = []
        for (filename, old) in current where !keptNames.contains(filename) {
            removals.append(filename)
            if chosen[old.name] != nil, upserts.contains(where: { $0.name == old.name }) {
                var moved = old
                moved.id = nil
                moved.subdir = Self.archive(old.name)
                moved.upstreamURL = source.appending("src/contrib/Archive/\(old.name)/\(filename)")
                archived.append(moved)
            }
        }

        if mirror.mode == MirrorMode.active.rawValue {
            var failed: Set<String> = []
            try await downloadMissing(&upserts, label: "packages", counts: &counts, filtered: &filtered, failed: &failed)
            try await engine.blobs.flush()
            upserts.removeAll { failed.contains($0.filename) && $0.blobSHA256 == nil }
        }
        try Task.checkCancellation()
        try await progress("Publishing", "Publishing \(upserts.count.formatted()) packages")
        var changes: [String: SubdirChange] = [Self.current: SubdirChange(upserts: upserts, removals: removals)]
        for package in archived {
            changes[package.subdir, default: SubdirChange(upserts: [], removals: [])].upserts.append(package)
        }
        try await database.apply(changes, channelID: mirror.channelID, mirrorID: mirrorID)
        try await database.recordFiltered(filtered)
        counts.kept = upserts.count
        counts.filtered = filtered.count
        return []
    }

    /// `PACKAGES.gz`, else `PACKAGES`.
    func fetchIndex(_ source: SourceURL) async throws -> String {
        do {
            let gz = try await engine.client.fetch(source.appending("src/contrib/PACKAGES.gz"), limit: Self.maxIndexBytes)
            if gz.status == 200 {
                do {
                    return String(decoding: try Gzip.decompress(gz.body, limit: Self.maxIndexBytes), as: UTF8.self)
                } catch {
                    throw RunFailure("src/contrib/PACKAGES.gz could not be decompressed: \(error)")
                }
            }
            let plain = try await engine.client.fetch(source.appending("src/contrib/PACKAGES"), limit: Self.maxIndexBytes)
            guard plain.status == 200 else {
                throw RunFailure("src/contrib/PACKAGES answered HTTP \(plain.status); check the source URL (a CRAN-like repository root).")
            }
            return String(decoding: plain.body, as: UTF8.self)
        } catch let error as UpstreamError {
            throw RunFailure("The package index could not be read: \(error)")
        }
    }
}

/// Paths a PACKAGES entry may name below src/contrib.
enum RName {
    static func isSafeRelativePath(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && !path.contains("\\") && path.split(separator: "/").allSatisfy { $0 != ".." && $0 != "." && !$0.isEmpty }
    }
}
