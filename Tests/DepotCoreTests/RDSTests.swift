import DepotCore
import Foundation
import Testing

@Suite struct RDSTests {
    /// `serialize(matrix(c("a", "b", NA, "é"), 2, 2, dimnames = list(c("a", "b"), c("Package", "X"))), NULL, version = 2)`
    /// as R 4.2.2 writes it, with the writer's R version in bytes 6–9 set to the 4.0.0 we write.
    static let rBytes: [UInt8] = [
        0x58, 0x0a, 0x00, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x02, 0x03, 0x00,
        0x00, 0x00, 0x02, 0x10, 0x00, 0x00, 0x00, 0x04,
        0x00, 0x04, 0x00, 0x09, 0x00, 0x00, 0x00, 0x01, 0x61,
        0x00, 0x04, 0x00, 0x09, 0x00, 0x00, 0x00, 0x01, 0x62,
        0x00, 0x00, 0x00, 0x09, 0xff, 0xff, 0xff, 0xff,
        0x00, 0x00, 0x80, 0x09, 0x00, 0x00, 0x00, 0x02, 0xc3, 0xa9,
        0x00, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x04, 0x00, 0x09, 0x00, 0x00, 0x00, 0x03, 0x64, 0x69, 0x6d,
        0x00, 0x00, 0x00, 0x0d, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x04, 0x00, 0x09, 0x00, 0x00, 0x00, 0x08,
        0x64, 0x69, 0x6d, 0x6e, 0x61, 0x6d, 0x65, 0x73,
        0x00, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x02,
        0x00, 0x04, 0x00, 0x09, 0x00, 0x00, 0x00, 0x01, 0x61, 0x00, 0x04, 0x00, 0x09, 0x00, 0x00, 0x00, 0x01, 0x62,
        0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x02,
        0x00, 0x04, 0x00, 0x09, 0x00, 0x00, 0x00, 0x07, 0x50, 0x61, 0x63, 0x6b, 0x61, 0x67, 0x65,
        0x00, 0x04, 0x00, 0x09, 0x00, 0x00, 0x00, 0x01, 0x58,
        0x00, 0x00, 0x00, 0xfe,
    ]

    @Test func writesTheBytesRWrites() {
        let bytes = RDS.packagesMatrix(fields: ["Package", "X"], records: [["Package": "a"], ["Package": "b", "X": "é"]])
        #expect(bytes == Self.rBytes)
    }

    @Test func emptyValuesAreNAAndNoRowsMeansNoRowNames() {
        let withEmpty = RDS.packagesMatrix(fields: ["Package", "X"], records: [["Package": "a", "X": ""], ["Package": "b", "X": "é"]])
        let withMissing = RDS.packagesMatrix(fields: ["Package", "X"], records: [["Package": "a"], ["Package": "b", "X": "é"]])
        #expect(withEmpty == withMissing)
        let empty = RDS.packagesMatrix(fields: ["Package"], records: [])
        // STRSXP length 0, dim c(0, 1), dimnames list(NULL, "Package")
        #expect(Array(empty[14..<22]) == [0, 0, 0x02, 0x10, 0, 0, 0, 0])
        #expect(Array(empty.suffix(39).prefix(12)) == [0, 0, 0, 0x13, 0, 0, 0, 2, 0, 0, 0, 0xfe])
    }

    @Test func columnsAreRsStandardFieldsPlusFileAndPath() {
        #expect(RDS.rdsFields.count == 15)
        #expect(RDS.binaryRDSFields.last == "MD5sum")
        #expect(RDS.columns(for: [["Package": "a"]]) == RDS.rdsFields)
        #expect(RDS.columns(for: [["Package": "a", "Path": "x"], ["Package": "b", "File": "b.tgz"]]).suffix(2) == ["File", "Path"])
    }

    @Test(.enabled(if: RTool.isAvailable, RTool.missingComment))
    func rReadsOurMatrix() throws {
        let dir = try RTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let records: [[String: String]] = [
            ["Package": "a", "Version": "1.0", "License": "GPL (>= 2)", "Depends": "R (>= 3.5),\nmethods"],
            ["Package": "b", "Version": "2.0-1", "Imports": "a", "License": "MIT + file LICENSE", "MD5sum": "0123456789abcdef0123456789abcdef", "OS_type": "ünïx"],
        ]
        try RTool.writeGzipped(RDS.packagesMatrix(fields: RDS.rdsFields, records: records), to: dir.appendingPathComponent("ours.rds"))
        let columns = RDS.rdsFields.map { "\"\($0)\"" }.joined(separator: ", ")
        let script = """
        x <- readRDS("ours.rds")
        stopifnot(is.matrix(x), is.character(x), identical(dim(x), c(2L, 15L)))
        stopifnot(identical(colnames(x), c(\(columns))), identical(rownames(x), c("a", "b")))
        stopifnot(identical(x[1, "Package"], "a"))
        stopifnot(identical(unname(x[1, "Depends"]), "R (>= 3.5),\\nmethods"), is.na(x[1, "Imports"]), is.na(x[2, "Depends"]))
        stopifnot(identical(unname(x["b", "OS_type"]), "\\u00fcn\\u00efx"), Encoding(x["b", "OS_type"]) == "UTF-8")
        cat("ok")
        """
        let result = try RTool.rscript(script, in: dir)
        #expect(result.status == 0 && result.output.hasSuffix("ok"), "\(result.output)")
    }

    /// Two packages built with `R CMD build`, indexed by `tools::write_PACKAGES` (plainly, and with
    /// `addFiles = TRUE, subdirs = TRUE` and one package in a subdirectory): our matrix, made from R's PACKAGES
    /// file read with our DCF parser, is `identical()` to R's PACKAGES.rds and byte for byte what R serializes
    /// (version 2) for it; and `available.packages()` reads it in place of R's file.
    @Test(.enabled(if: RTool.isAvailable, RTool.missingComment), arguments: [false, true])
    func matchesWritePACKAGES(filesAndSubdirs: Bool) throws {
        let dir = try RTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let contrib = dir.appendingPathComponent("repo/src/contrib")
        let older = contrib.appendingPathComponent("Older")
        try FileManager.default.createDirectory(at: older, withIntermediateDirectories: true)
        try RTool.makePackage(in: dir, name: "alpha", version: "0.1-2", license: "GPL (>= 2)", extra: "")
        try RTool.makePackage(in: dir, name: "beta", version: "1.0.0", license: "MIT + file LICENSE",
                              extra: "Imports: alpha (>= 0.1)\nSuggests: testthat\n")
        for (name, target) in [("alpha", contrib), ("beta", filesAndSubdirs ? older : contrib)] {
            let build = try RTool.run(RTool.r, ["CMD", "build", "--no-build-vignettes", "--no-manual", dir.appendingPathComponent(name).path], in: target)
            #expect(build.status == 0, "\(build.output)")
        }
        let options = filesAndSubdirs ? ", addFiles = TRUE, subdirs = TRUE" : ""
        let index = try RTool.rscript("""
        tools::write_PACKAGES("repo/src/contrib", type = "source"\(options))
        x <- readRDS("repo/src/contrib/PACKAGES.rds")
        writeBin(serialize(x, NULL, version = 2), "r.bin")
        cat(colnames(x), sep = "\\n")
        """, in: dir)
        #expect(index.status == 0, "\(index.output)")
        let rColumns = index.output.split(separator: "\n").map(String.init)

        let packages = try String(contentsOf: contrib.appendingPathComponent("PACKAGES"), encoding: .utf8)
        let records = try DCF.parse(packages).map { Dictionary($0, uniquingKeysWith: { first, _ in first }) }
        #expect(records.map { $0["Package"] } == ["alpha", "beta"])
        #expect(rColumns == RDS.columns(for: records))
        if filesAndSubdirs {
            #expect(records.map { $0["Path"] } == [nil, "Older"])
            #expect(try RPackageRecord(fields: DCF.parse(packages)[1]).relativePath == "Older/beta_1.0.0.tar.gz")
        }
        let ours = RDS.packagesMatrix(fields: rColumns, records: records)
        try RTool.writeGzipped(ours, to: dir.appendingPathComponent("ours.rds"))

        let compare = try RTool.rscript("""
        stopifnot(identical(readRDS("repo/src/contrib/PACKAGES.rds"), readRDS("ours.rds")))
        cat("ok")
        """, in: dir)
        #expect(compare.status == 0 && compare.output.hasSuffix("ok"), "\(compare.output)")
        let rBytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent("r.bin")))
        #expect(rBytes.count == ours.count)
        #expect(Array(rBytes.dropFirst(10)) == Array(ours.dropFirst(10)), "all but the writer's R version")

        // R's client reads our file alone: PACKAGES and PACKAGES.gz removed, PACKAGES.rds replaced.
        for name in ["PACKAGES", "PACKAGES.gz", "PACKAGES.rds"] {
            try FileManager.default.removeItem(at: contrib.appendingPathComponent(name))
        }
        try FileManager.default.copyItem(at: dir.appendingPathComponent("ours.rds"), to: contrib.appendingPathComponent("PACKAGES.rds"))
        let client = try RTool.rscript("""
        a <- available.packages(repos = "file://\(dir.path)/repo", type = "source", filters = list())
        stopifnot(identical(unname(a[, "Package"]), c("alpha", "beta")), identical(unname(a["beta", "Imports"]), "alpha (>= 0.1)"))
        cat(a[, "Repository"], sep = "\\n"); cat("ok")
        """, in: dir)
        #expect(client.status == 0 && client.output.hasSuffix("ok"), "\(client.output)")
        #expect(client.output.contains("/repo/src/contrib/Older") == filesAndSubdirs, "\(client.output)")
    }
}

/// Runs R for the tests that compare with it (`apt-get install -y r-base-core`).
enum RTool {
    static let rscript: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let candidates = path.split(separator: ":").map { "\($0)/Rscript" } + ["/usr/bin/Rscript", "/usr/local/bin/Rscript"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static var isAvailable: Bool { rscript != nil }
    static let missingComment: Comment = "Rscript is not installed: apt-get install -y r-base-core to compare with R"

    /// `R` next to `Rscript`.
    static var r: String { URL(fileURLWithPath: rscript ?? "/usr/bin/Rscript").deletingLastPathComponent().appendingPathComponent("R").path }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("depot-r-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Runs the program with stdout and stderr together; gives up after `timeout` seconds.
    static func run(_ executable: String, _ arguments: [String], in directory: URL, timeout: TimeInterval = 120) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["LANG"] = "C.UTF-8"
        environment["LC_ALL"] = "C.UTF-8"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = DispatchWorkItem { [process] in if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: deadline)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        deadline.cancel()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func rscript(_ script: String, in directory: URL) throws -> (status: Int32, output: String) {
        let file = directory.appendingPathComponent("script-\(UUID().uuidString).R")
        try script.write(to: file, atomically: true, encoding: .utf8)
        return try run(rscript ?? "Rscript", ["--vanilla", file.path], in: directory)
    }

    /// Writes the bytes gzipped with /bin/gzip (Foundation has no gzip).
    static func writeGzipped(_ bytes: [UInt8], to url: URL) throws {
        let plain = url.appendingPathExtension("raw")
        try Data(bytes).write(to: plain)
        let gzip = FileManager.default.isExecutableFile(atPath: "/bin/gzip") ? "/bin/gzip" : "/usr/bin/gzip"
        let result = try run(gzip, ["-f", "-n", plain.path], in: url.deletingLastPathComponent())
        guard result.status == 0 else { throw CocoaError(.fileWriteUnknown) }
        try FileManager.default.moveItem(at: plain.appendingPathExtension("gz"), to: url)
    }

    /// A minimal source package directory `dir/name` for `R CMD build`.
    static func makePackage(in dir: URL, name: String, version: String, license: String, extra: String) throws {
        let root = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("R"), withIntermediateDirectories: true)
        let description = """
        Package: \(name)
        Version: \(version)
        Title: Test Package \(name)
        Description: A tiny package for Depot's tests.
        Authors@R: person("Depot", "Tests", email = "tests@example.invalid", role = c("aut", "cre"))
        License: \(license)
        Encoding: UTF-8
        \(extra)
        """
        try description.write(to: root.appendingPathComponent("DESCRIPTION"), atomically: true, encoding: .utf8)
        try "f_\(name) <- function() 1\n".write(to: root.appendingPathComponent("R/\(name).R"), atomically: true, encoding: .utf8)
        try "export(f_\(name))\n".write(to: root.appendingPathComponent("NAMESPACE"), atomically: true, encoding: .utf8)
        if license.contains("file LICENSE") {
            try "YEAR: 2024\nCOPYRIGHT HOLDER: Depot tests\n".write(to: root.appendingPathComponent("LICENSE"), atomically: true, encoding: .utf8)
        }
    }
}
