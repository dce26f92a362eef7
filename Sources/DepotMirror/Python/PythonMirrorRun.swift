import Crypto
import DepotCore
import DepotStore
import Foundation
import Logging

/// How Depot stores one Python file: the upstream's entry, and where its core metadata (PEP 658) is kept.
public struct StoredPythonFile: Codable, Sendable, Equatable {
    public var file: SimpleFile
    /// sha256 of the `.metadata` file in the blob store, when Depot has it.
    public var metadataSHA256: String?
    /// True when the upstream gave no hash and Depot hashed the file itself.
    public var unverified: Bool

    public init(file: SimpleFile, metadataSHA256: String?, unverified: Bool) {
        self.file = file
        self.metadataSHA256 = metadataSHA256
        self.unverified = unverified
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    public func json() throws -> String { String(decoding: try Self.encoder.encode(self), as: UTF8.self) }
    public static func parse(_ json: String) throws -> StoredPythonFile { try JSONDecoder().decode(Self.self, from: Data(json.utf8)) }
}

/// One run of a PyPI-style mirror: list the projects (or take the include list when everything else is
/// excluded), keep those the filters allow, fetch each project page (conditionally), keep Python distribution
/// files, download what an active mirror lacks, and apply every project's change in one transaction.
struct PythonMirrorRun: RunSteps {
    let engine: MirrorEngine.Parts
    let mirror: MirrorRecord
    let run: RunRecord
    let logger: Logger

    static let prefix = "pypi/"
    static let accept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
    static let maxPageBytes = 64 << 20

    enum Page {
        case files([SimpleFile], etag: String?, lastModified: String?)
        case notModified
        case missing
        case failed(String)
    }

    func execute(counts: inout AppDatabase.RunCounts) async throws -> [String] {
        let source = try SourceURL(validating: mirror.sourceURL)
        let exclude = NamePatterns(text: mirror.exclude), include = NamePatterns(text: mirror.include)
        var filtered: [FilteredRecord] = []

        // 1. Which projects.
        try await progress("Listing projects", "Reading the project list")
        var projects: [String: String] = [:]  // normalized → display name
        let selective = exclude.patterns == ["*"] && !include.isEmpty && !include.patterns.contains { $0.contains("*") || $0.contains("?") }
        if selective {
            for name in include.patterns { projects[ProjectName.normalize(name)] = name }
        } else {
            for name in try await listProjects(source) {
                let normalized = ProjectName.normalize(name)
                let decision = NamePatterns.decide(name: normalized, exclude: exclude, include: include)
                if decision.kept {
                    projects[normalized] = name
                } else {
                    filtered.append(FilteredRecord(
                        runID: run.id!, subdir: Self.prefix + normalized, filename: name, reason: FilterReason.excluded.rawValue,
                        detail: "excluded by pattern \(decision.pattern ?? "?")"))
                }
            }
        }

        // 2. Each project's page, eight at a time.
        let existing = try await database.packages(mirrorID: mirrorID, subdirPrefix: Self.prefix)
        let names = projects.keys.sorted()
        var pages: [String: Page] = [:]
        var done = 0
        try await withThrowingTaskGroup(of: (String, Page).self) { group in
            var next = 0
            func launch() {
                guard next < names.count else { return }
                let name = names[next]
                next += 1
                group.addTask { (name, await fetchPage(name, source: source)) }
            }
            for _ in 0..<min(engine.downloadConcurrency, names.count) { launch() }
            while let (name, page) = try await group.next() {
                try Task.checkCancellation()
                pages[name] = page
                done += 1
                if done % 50 == 0 || done == names.count {
                    try await progress("Reading project pages", "Read \(done.formatted()) of \(names.count.formatted()) project pages", done: done, total: names.count)
                }
                launch()
            }
        }

        // 3. What each project keeps.
        var changes: [String: SubdirChange] = [:]
        var validators: [UpstreamStateRecord] = []
        var failures: [String] = []
        var allUpserts: [PackageRecord] = []
        for name in names {
            let subdir = Self.prefix + name
            let old = existing[subdir] ?? [:]
            switch pages[name] ?? .failed("not fetched") {
            case .notModified:
                counts.source += old.count
                allUpserts += old.values
            case .missing:
                filtered.append(FilteredRecord(
                    runID: run.id!, subdir: subdir, filename: projects[name] ?? name, reason: FilterReason.upstreamError.rawValue,
                    detail: "the upstream has no page for this project"))
                changes[subdir] = SubdirChange(upserts: [], removals: Array(old.keys))
            case .failed(let message):
                failures.append("\(name): \(message)")
                filtered.append(FilteredRecord(
                    runID: run.id!, subdir: subdir, filename: projects[name] ?? name, reason: FilterReason.upstreamError.rawValue, detail: message))
                allUpserts += old.values  // keep what it had
            case .files(let files, let etag, let lastModified):
                counts.source += files.count
                var seen = Set<String>()
                var upserts: [PackageRecord] = []
                for file in files {
                    func filter(_ reason: FilterReason, _ detail: String) {
                        filtered.append(FilteredRecord(runID: run.id!, subdir: subdir, filename: String(file.filename.prefix(300)), reason: reason.rawValue, detail: detail))
                    }
                    guard SimpleIndexParser.isSafeFilename(file.filename) else { filter(.invalidFilename, "the filename is not a plain file name"); continue }
                    guard ProjectName.kind(of: file.filename) != nil else { filter(.notPythonPackage, "only wheels, sdists and eggs are mirrored"); continue }
                    guard SimpleIndexParser.fileHostAllowed(fileURL: file.url, sourceURL: source.value) else {
                        filter(.hostNotAllowed, "files may come from http(s) hosts, not from loopback or link-local addresses")
                        continue
                    }
                    guard seen.insert(file.filename).inserted else { continue }
                    let sha = file.hashes["sha256"]?.lowercased()
                    let previous = old[file.filename]
                    let stored = StoredPythonFile(
                        file: file, metadataSHA256: previous.flatMap { try? StoredPythonFile.parse($0.record) }?.metadataSHA256,
                        unverified: sha == nil && file.hashes["md5"] == nil)
                    upserts.append(PackageRecord(
                        channelID: mirror.channelID, mirrorID: mirrorID, subdir: subdir, filename: file.filename,
                        name: projects[name] ?? name, version: ProjectName.fromFilename(file.filename)?.version ?? "", build: "",
                        size: file.size, sha256: sha, md5: sha == nil ? file.hashes["md5"]?.lowercased() : nil,
                        record: try stored.json(), mode: mirror.mode, upstreamURL: file.url,
                        blobSHA256: previous?.sha256 == sha && sha != nil ? previous?.blobSHA256 : nil))
                }
                allUpserts += upserts
                changes[subdir] = SubdirChange(upserts: [], removals: old.keys.filter { !seen.contains($0) })
                validators.append(UpstreamStateRecord(mirrorID: mirrorID, subdir: subdir, etag: etag, lastModified: lastModified))
            }
        }
        // Projects no longer mirrored (excluded now, or gone from the list) leave the channel.
        for (subdir, old) in existing where projects[String(subdir.dropFirst(Self.prefix.count))] == nil {
            changes[subdir] = SubdirChange(upserts: [], removals: Array(old.keys))
        }

        // 4. Files: downloaded by active mirrors; metadata fetched where the upstream offers it.
        if mirror.mode == MirrorMode.active.rawValue {
            var failed: Set<String> = []
            try await downloadMissing(&allUpserts, label: "files", counts: &counts, filtered: &filtered, failed: &failed)
            try await engine.blobs.flush()
            allUpserts.removeAll { failed.contains($0.filename) && $0.blobSHA256 == nil }
        }
        allUpserts = try await withMetadata(allUpserts, filtered: &filtered)
        for package in allUpserts {
            changes[package.subdir, default: SubdirChange(upserts: [], removals: [])].upserts.append(package)
        }

        try Task.checkCancellation()
        try await progress("Publishing", "Publishing \(projects.count.formatted()) projects")
        try await database.apply(changes, channelID: mirror.channelID, mirrorID: mirrorID)
        try await database.recordFiltered(filtered)
        for state in validators { try await database.saveUpstreamState(state) }
        counts.kept += allUpserts.count
        counts.filtered += filtered.count
        return failures
    }

    func listProjects(_ source: SourceURL) async throws -> [String] {
        let fetched: UpstreamClient.Fetched
        do {
            fetched = try await engine.client.fetch(source.value + "/", headers: [("Accept", Self.accept)], limit: 1 << 30)
        } catch let error as UpstreamError {
            throw RunFailure("The project list could not be read: \(error)")
        }
        guard fetched.status == 200 else { throw RunFailure("The project list answered HTTP \(fetched.status); check the source URL.") }
        do {
            if fetched.contentType?.contains("json") == true { return try SimpleIndexParser.projectList(json: fetched.body) }
            return try SimpleIndexParser.projectList(html: String(decoding: fetched.body, as: UTF8.self))
        } catch {
            throw RunFailure("The project list is malformed: \(error)")
        }
    }

    func fetchPage(_ name: String, source: SourceURL) async -> Page {
        let url = source.value + "/\(name)/"
        do {
            let state = try await database.upstreamState(mirrorID: mirrorID, subdir: Self.prefix + name)
            var headers = [("Accept", Self.accept)]
            if let etag = state?.etag { headers.append(("If-None-Match", etag)) }
            if let modified = state?.lastModified { headers.append(("If-Modified-Since", modified)) }
            let fetched = try await engine.client.fetch(url, headers: headers, limit: Self.maxPageBytes)
            switch fetched.status {
            case 304: return .notModified
            case 404, 410: return .missing
            case 200: break
            default: return .failed("the project page answered HTTP \(fetched.status)")
            }
            let files = fetched.contentType?.contains("json") == true
                ? try SimpleIndexParser.files(json: fetched.body, pageURL: url)
                : try SimpleIndexParser.files(html: String(decoding: fetched.body, as: UTF8.self), pageURL: url)
            return .files(files, etag: fetched.etag, lastModified: fetched.lastModified)
        } catch let error as SimpleIndexError {
            return .failed("the project page is malformed: \(error)")
        } catch {
            return .failed(Redaction.url("\(error)"))
        }
    }

    /// Core metadata (PEP 658) for each file that lacks it: `<file>.metadata` where the upstream offers it
    /// (verified when a hash is given), else read from the stored wheel itself.
    func withMetadata(_ packages: [PackageRecord], filtered: inout [FilteredRecord]) async throws -> [PackageRecord] {
        var result = packages
        for (i, package) in packages.enumerated() {
            guard var stored = try? StoredPythonFile.parse(package.record) else { continue }
            if let have = stored.metadataSHA256, await engine.blobs.contains(sha256: have) { continue }
            try Task.checkCancellation()
            guard let offered = stored.file.coreMetadata else {
                if ProjectName.kind(of: package.filename) == .wheel, let blob = package.blobSHA256,
                   let url = await engine.blobs.fileURL(sha256: blob), let metadata = WheelMetadata.extract(from: url)
                {
                    let temp = engine.blobs.temporaryFileURL()
                    try metadata.write(to: temp)
                    let sha = SHA256.hash(data: metadata).map { String(format: "%02x", $0) }.joined()
                    try await engine.blobs.adopt(temporaryFile: temp, sha256: sha)
                    stored.metadataSHA256 = sha
                    result[i].record = try stored.json()
                }
                continue
            }
            let temp = engine.blobs.temporaryFileURL()
            defer { try? FileManager.default.removeItem(at: temp) }
            guard let got = try? await engine.client.download(package.upstreamURL + ".metadata", to: temp, maxBytes: 16 << 20) else { continue }
            if let expected = offered["sha256"]?.lowercased(), expected != got.sha256 { continue }
            try await engine.blobs.adopt(temporaryFile: temp, sha256: got.sha256)
            stored.metadataSHA256 = got.sha256
            result[i].record = try stored.json()
        }
        return result
    }
}
