import DepotCore
import Foundation
import Testing

// MARK: - Project names and filenames

@Suite struct ProjectNameTests {
    @Test(arguments: ["Friendly-Bard", "FRIENDLY-BARD", "friendly.bard", "friendly_bard", "friendly--bard", "FrIeNdLy-._.-bArD"])
    func pep503ExamplesNormalizeToTheSameName(_ name: String) {
        #expect(ProjectName.normalize(name) == "friendly-bard")
    }

    @Test func normalizationKeepsEverythingElse() {
        #expect(ProjectName.normalize("zope.interface") == "zope-interface")
        #expect(ProjectName.normalize("A__B..C") == "a-b-c")
        #expect(ProjectName.normalize("numpy") == "numpy")
        #expect(ProjectName.normalize("") == "")
    }

    @Test func validityFollowsPEP508() {
        let table: [(String, Bool)] = [
            ("a", true), ("A1", true), ("friendly-bard", true), ("zope.interface", true), ("a..b", true),
            ("-a", false), ("a-", false), (".a", false), ("", false), ("a b", false), ("ü", false), ("a/b", false),
            (String(repeating: "a", count: 200), true), (String(repeating: "a", count: 201), false),
        ]
        for (name, valid) in table {
            #expect(ProjectName.isValid(name) == valid, "\(name)")
        }
    }

    @Test func filenamesNameTheirProjectAndVersion() {
        let table: [(String, String?, String?)] = [
            // wheels, with and without a build tag
            ("numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "numpy", "1.26.4"),
            ("friendly_bard-1.0-1build-py3-none-any.whl", "friendly_bard", "1.0"),
            ("PKG-1.0-PY3-NONE-ANY.WHL", "PKG", "1.0"),
            ("pkg-2.0-bad-py3-none-any.whl", nil, nil),  // a build tag starts with a digit
            ("pkg-1.0-py3-none.whl", nil, nil),  // too few parts
            ("pkg-1.0--py3-none-any.whl", nil, nil),  // empty part
            ("pkg-one-py3-none-any.whl", nil, nil),  // no version
            // sdists: the name is everything before the last dash followed by a digit
            ("my-pkg-1.0.tar.gz", "my-pkg", "1.0"),
            ("zope.interface-6.0.zip", "zope.interface", "6.0"),
            ("pkg-2-1.0rc1.tar.bz2", "pkg-2", "1.0rc1"),
            ("foo-1.0.tgz", "foo", "1.0"),
            ("foo_bar-0.1.dev3.tar.xz", "foo_bar", "0.1.dev3"),
            ("foo-1.0-beta.tar.gz", "foo", "1.0-beta"),
            ("setuptools-latest.tar.gz", "setuptools-latest", nil),
            // eggs
            ("pytz-2014.10-py2.7.egg", "pytz", "2014.10"),
            ("simplejson-3.0-py2.6-linux-x86_64.egg", "simplejson", "3.0"),
            // junk
            ("README.txt", nil, nil), ("", nil, nil), (".whl", nil, nil), (".tar.gz", nil, nil),
            ("-1.0.tar.gz", nil, nil), ("../evil-1.0.tar.gz", nil, nil), ("foo bar-1.0.tar.gz", nil, nil),
            ("a-1.0.exe", nil, nil), ("pkg-1.0.tar.gz.sig", nil, nil),
        ]
        for (filename, name, version) in table {
            let parsed = ProjectName.fromFilename(filename)
            #expect(parsed?.name == name, "\(filename)")
            #expect(parsed?.version == version, "\(filename)")
        }
    }

    @Test func kindsFollowTheExtension() {
        let table: [(String, PythonFileKind?)] = [
            ("a-1.0-py3-none-any.whl", .wheel), ("a-1.0.tar.gz", .sdist), ("a-1.0.zip", .sdist),
            ("a-1.0.tar.bz2", .sdist), ("a-1.0.tgz", .sdist), ("a-1.0.tar.xz", .sdist), ("a-1.0-py2.7.egg", .egg),
            ("A-1.0.TAR.GZ", .sdist), ("a-1.0.exe", nil), ("a-1.0.tar", nil), ("whl", nil), (".whl", nil), ("", nil),
        ]
        for (filename, kind) in table {
            #expect(ProjectName.kind(of: filename) == kind, "\(filename)")
        }
    }
}

// MARK: - Exclude / include patterns

@Suite struct NamePatternsTests {
    @Test func includeWinsOverExclude() {
        let exclude = NamePatterns(text: "p*")
        let include = NamePatterns(text: "python")
        #expect(NamePatterns.decide(name: "pandas", exclude: exclude, include: include) == (false, "p*"))
        #expect(NamePatterns.decide(name: "PYTHON", exclude: exclude, include: include) == (true, nil))
        #expect(NamePatterns.decide(name: "numpy", exclude: exclude, include: include) == (true, nil))
        // include alone does not narrow anything
        #expect(NamePatterns.decide(name: "numpy", exclude: NamePatterns(text: ""), include: include) == (true, nil))
    }

    @Test func questionMarkIsExactlyOneCharacter() {
        let patterns = NamePatterns(text: "py?")
        #expect(patterns.matches("pyx") == "py?")
        #expect(patterns.matches("py-") == "py?")
        #expect(patterns.matches("py") == nil)
        #expect(patterns.matches("pyxx") == nil)
    }

    @Test func patternsAreSplitOnCommasNewlinesAndWhitespaceAndNormalized() {
        let patterns = NamePatterns(text: "numpy, pandas\n  scipy\t\r\nDjango_Rest.Framework,,\n Flask_*\n")
        #expect(patterns.patterns == ["numpy", "pandas", "scipy", "django-rest-framework", "flask-*"])
        #expect(patterns.matches("django.rest_framework") == "django-rest-framework")
        #expect(patterns.matches("Flask.Login") == "flask-*")
        #expect(patterns.matches("flask") == nil)
        #expect(patterns.text == "numpy\npandas\nscipy\ndjango-rest-framework\nflask-*")
        #expect(NamePatterns(text: patterns.text) == patterns)
    }

    @Test func blanksDuplicatesAndInvalidTokens() {
        #expect(NamePatterns(text: "  , \n,, ").isEmpty)
        #expect(NamePatterns(text: "a, A, a_").patterns == ["a", "a-"])
        let text = "good, bad/one <x> ok*"
        #expect(NamePatterns(text: text).patterns == ["good", "ok*"])
        #expect(NamePatterns.invalidTokens(in: text) == ["bad/one", "<x>"])
        #expect(NamePatterns(["numpy", "p* q?"]).patterns == ["numpy", "p*", "q?"])
    }

    @Test func theFirstMatchingPatternIsReported() {
        let patterns = NamePatterns(text: "n*\nnumpy\n*")
        #expect(patterns.matches("numpy") == "n*")
        #expect(patterns.matches("scipy") == "*")
        #expect(NamePatterns(text: "*py").matches("numpy") == "*py")
        #expect(NamePatterns(text: "*py").matches("numpy-extra") == nil)
    }

    @Test func hostilePatternsStayFast() {
        let patterns = NamePatterns(text: "*a*a*a*a*a*a*a*a*a*b")
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect(patterns.matches(String(repeating: "a", count: 200)) == nil)
        }
        #expect(elapsed < .seconds(1))
    }
}

// MARK: - Content negotiation

@Suite struct SimpleFormatNegotiationTests {
    static let table: [(String?, SimpleFormat?)] = [
        (nil, .html),
        ("", .html),
        ("*/*", .html),
        ("text/html", .html),
        ("TEXT/HTML", .html),
        ("text/*", .html),
        ("application/vnd.pypi.simple.v1+json", .json),
        ("application/vnd.pypi.simple.latest+json", .json),
        ("application/vnd.pypi.simple.v1+html", .html),
        ("application/vnd.pypi.simple.latest+html", .html),
        // pip
        ("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01", .json),
        // uv
        ("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01", .json),
        ("text/html;q=0.5, application/vnd.pypi.simple.v1+json;q=0.9", .json),
        ("application/vnd.pypi.simple.v1+json;q=0.2, text/html", .html),
        ("application/vnd.pypi.simple.v1+json; charset=utf-8; q=0.5, text/html; q=0.4", .json),
        // ties go to the earlier range
        ("text/html, application/vnd.pypi.simple.v1+json", .html),
        ("application/vnd.pypi.simple.v1+json, text/html", .json),
        ("*/*;q=0.1, application/vnd.pypi.simple.v1+json", .json),
        // q=0 refuses
        ("application/vnd.pypi.simple.v1+json;q=0", nil),
        ("application/vnd.pypi.simple.v1+json;q=0, */*", .html),
        ("text/html;q=0", nil),
        // nothing Depot serves
        ("application/json", nil),
        ("text/plain, image/png", nil),
        ("application/vnd.pypi.simple.v2+json", nil),
        ("text/html;q=abc", nil),
        ("garbage", nil),
    ]

    @Test func acceptHeaders() {
        for (accept, format) in Self.table {
            #expect(SimpleFormat.negotiate(accept: accept) == format, "\(accept ?? "nil")")
        }
    }

    @Test func contentTypes() {
        #expect(SimpleFormat.json.contentType == "application/vnd.pypi.simple.v1+json")
        #expect(SimpleFormat.html.contentType.hasPrefix("text/html"))
    }
}

// MARK: - Parsing upstream pages

@Suite struct SimpleIndexParserTests {
    static let pageURL = "https://pypi.example/simple/friendly-bard/"

    static let projectPage = """
        <!DOCTYPE html>
        <html>
          <head>
            <meta name="pypi:repository-version" content="1.1">
            <title>Links for friendly-bard <a href="title-1.0.tar.gz"></title>
            <!-- <a href="commented-1.0.tar.gz">commented</a> -->
            <script>document.write('<a href="script-1.0.tar.gz">x</a>')</script>
          </head>
          <body>
            <h1>Links for friendly-bard</h1>
            <a href="../../packages/ab/cd/friendly_bard-1.0-py3-none-any.whl#sha256=ABCDEF0123" data-requires-python="&gt;=3.8" data-dist-info-metadata="sha256=1111" data-core-metadata="sha256=2222">friendly_bard-1.0-py3-none-any.whl</a><br/>
            <a href='/files/friendly-bard-1.0.tar.gz#sha256=abcd' data-yanked>friendly-bard-1.0.tar.gz</a><br/>
            <A HREF=https://files.example/x/friendly_bard-0.9-py2.py3-none-any.whl data-yanked="broken &amp; &quot;bad&quot; &#39;build&#39; &#x263A;&#9731;" DATA-DIST-INFO-METADATA=true>old</A><br/>
            <a href="friendly%2Bbard-0.8.zip?download=1#md5=0f0F" data-requires-python="">odd</a>
            <a name="no-href">not a file</a>
            <a href="../">parent directory</a>
          </body>
        </html>
        """

    @Test func readsARealisticProjectPage() throws {
        let files = try SimpleIndexParser.files(html: Self.projectPage, pageURL: Self.pageURL)
        #expect(files == [
            SimpleFile(
                filename: "friendly_bard-1.0-py3-none-any.whl",
                url: "https://pypi.example/packages/ab/cd/friendly_bard-1.0-py3-none-any.whl",
                hashes: ["sha256": "abcdef0123"], requiresPython: ">=3.8", coreMetadata: ["sha256": "2222"]
            ),
            SimpleFile(
                filename: "friendly-bard-1.0.tar.gz", url: "https://pypi.example/files/friendly-bard-1.0.tar.gz",
                hashes: ["sha256": "abcd"], yanked: ""
            ),
            SimpleFile(
                filename: "friendly_bard-0.9-py2.py3-none-any.whl",
                url: "https://files.example/x/friendly_bard-0.9-py2.py3-none-any.whl",
                yanked: "broken & \"bad\" 'build' ☺☃", coreMetadata: [:]
            ),
            SimpleFile(
                filename: "friendly+bard-0.8.zip",
                url: "https://pypi.example/simple/friendly-bard/friendly%2Bbard-0.8.zip?download=1",
                hashes: ["md5": "0f0f"]
            ),
        ])
    }

    @Test func readsARootPage() throws {
        let html = """
            <html><body>
            <a href="/simple/friendly-bard/">Friendly-Bard</a>
            <a href="/simple/a-b/"> A&amp;B </a>
            <a href="/simple/nested/"><b>Nested</b></a>
            <a href="/simple/empty/">  </a>
            <a href="/simple/last/">last
            """
        #expect(try SimpleIndexParser.projectList(html: html) == ["Friendly-Bard", "A&B", "Nested", "last"])
        #expect(try SimpleIndexParser.projectList(html: "") == [])
        #expect(try SimpleIndexParser.projectList(html: "<html></html>") == [])
    }

    @Test func honoursBaseHref() throws {
        let html = #"<html><head><base href="https://mirror.example/pkgs/"></head><a href="x-1.0.tar.gz">x</a></html>"#
        let files = try SimpleIndexParser.files(html: html, pageURL: Self.pageURL)
        #expect(files.map(\.url) == ["https://mirror.example/pkgs/x-1.0.tar.gz"])
    }

    static let jsonPage = """
        {"meta": {"api-version": "1.1", "_last-serial": 7},
         "name": "friendly-bard",
         "versions": ["0.9", "1.0"],
         "files": [
           {"filename": "friendly_bard-1.0-py3-none-any.whl",
            "url": "https://files.example/p/friendly_bard-1.0-py3-none-any.whl",
            "hashes": {"SHA256": "ABCD", "blake2b_256": "ef01", "bad": 5, "notes": "not hex"},
            "requires-python": ">=3.8", "core-metadata": {"sha256": "aa"}, "dist-info-metadata": {"sha256": "bb"},
            "size": 1234, "upload-time": "2024-01-02T03:04:05.123456Z", "yanked": false, "unknown": [1, {"x": null}]},
           {"filename": "friendly-bard-1.0.tar.gz", "url": "../../files/friendly-bard-1.0.tar.gz#sha256=cafe",
            "hashes": {}, "yanked": true, "dist-info-metadata": true},
           {"filename": "friendly-bard-0.9.tar.gz", "url": "/f/friendly-bard-0.9.tar.gz", "hashes": {"sha256": "beef"},
            "yanked": "security issue", "requires-python": null, "size": -1, "core-metadata": false, "dist-info-metadata": true}
         ]}
        """

    @Test func readsAPEP691Page() throws {
        let files = try SimpleIndexParser.files(json: Array(Self.jsonPage.utf8), pageURL: Self.pageURL)
        #expect(files == [
            SimpleFile(
                filename: "friendly_bard-1.0-py3-none-any.whl",
                url: "https://files.example/p/friendly_bard-1.0-py3-none-any.whl",
                hashes: ["sha256": "abcd", "blake2b_256": "ef01"], requiresPython: ">=3.8",
                coreMetadata: ["sha256": "aa"], size: 1234, uploadTime: "2024-01-02T03:04:05.123456Z"
            ),
            SimpleFile(
                filename: "friendly-bard-1.0.tar.gz", url: "https://pypi.example/files/friendly-bard-1.0.tar.gz",
                hashes: ["sha256": "cafe"], yanked: "", coreMetadata: [:]
            ),
            SimpleFile(
                filename: "friendly-bard-0.9.tar.gz", url: "https://pypi.example/f/friendly-bard-0.9.tar.gz",
                hashes: ["sha256": "beef"], yanked: "security issue"
            ),
        ])
    }

    @Test func readsAPEP691RootPage() throws {
        let json = #"{"meta":{"api-version":"1.0"},"projects":[{"name":"Friendly-Bard"},{"name":"numpy","_last-serial":3}]}"#
        #expect(try SimpleIndexParser.projectList(json: Array(json.utf8)) == ["Friendly-Bard", "numpy"])
    }

    @Test func malformedJSONSaysWhatIsWrong() {
        let pageCases: [(String, String)] = [
            (#"{"files": [{"filename": "a.whl", "url": "#, "The project page is not valid JSON."),
            ("", "The project page is not valid JSON."),
            ("[1, 2]", "The project page is not a JSON object."),
            ("null", "The project page is not a JSON object."),
            ("{}", "The project page has no “files” array."),
            (#"{"files": 3}"#, "“files” in the project page is not an array."),
            (#"{"files": [5]}"#, "A file entry of the project page is not an object."),
            (#"{"files": [{"url": "https://x/a.whl"}]}"#, "A file entry of the project page lacks a filename."),
            (#"{"files": [{"filename": "a-1.0.tar.gz"}]}"#, "The file entry “a-1.0.tar.gz” lacks a URL."),
            (#"{"files": [{"filename": "a-1.0.tar.gz", "url": 7}]}"#, "The file entry “a-1.0.tar.gz” lacks a URL."),
            (#"{"meta": {"api-version": "2.0"}, "files": []}"#,
             "The index uses simple API version “2.0”; Depot understands version 1.x."),
        ]
        for (json, message) in pageCases {
            #expect(throws: SimpleIndexError.malformed(message), "\(json)") {
                try SimpleIndexParser.files(json: Array(json.utf8), pageURL: Self.pageURL)
            }
        }
        let listCases: [(String, String)] = [
            (#"{"projects": [{"name": "a"}, {}]}"#, "An entry of the project list lacks a name."),
            (#"{"projects": {"name": "a"}}"#, "“projects” in the project list is not an array."),
            (#"{"projects""#, "The project list is not valid JSON."),
            ("\"projects\"", "The project list is not a JSON object."),
        ]
        for (json, message) in listCases {
            #expect(throws: SimpleIndexError.malformed(message), "\(json)") {
                try SimpleIndexParser.projectList(json: Array(json.utf8))
            }
        }
        #expect(SimpleIndexError.malformed("x").message == "x")
    }

    @Test func malformedHTMLAndPageURLs() throws {
        #expect(throws: SimpleIndexError.malformed("The project page is not an HTML page.")) {
            try SimpleIndexParser.files(html: "Service temporarily unavailable", pageURL: Self.pageURL)
        }
        #expect(throws: SimpleIndexError.malformed("The page address “simple/x/” is not an absolute URL.")) {
            try SimpleIndexParser.files(html: "<a href=x.whl>x</a>", pageURL: "simple/x/")
        }
        // Broken markup still yields what can be read.
        let broken = ##"<a href="a-1.0.tar.gz"#sha256=00>a</a><a href='b-1.0.tar.gz' data-yanked="never closed>b"##
        let files = try SimpleIndexParser.files(html: broken, pageURL: Self.pageURL)
        #expect(files.map(\.filename) == ["a-1.0.tar.gz", "b-1.0.tar.gz"])
        #expect(files[1].yanked == "never closed>b")
        // Links that cannot be URLs are skipped, not fatal.
        let odd = "<a href=\"  \">blank</a><a href=\"x\u{1}y.whl\">control</a><a href=\"ok-1.0.zip\">ok</a>"
        #expect(try SimpleIndexParser.files(html: odd, pageURL: Self.pageURL).map(\.filename) == ["ok-1.0.zip"])
    }

    @Test func hostileMarkupStaysLinear() throws {
        let hidden = #"<SCRIPT><a href="hidden-1.0.tar.gz">h</a></sCrIpT><a href="shown-1.0.tar.gz">s</a>"#
        #expect(try SimpleIndexParser.files(html: hidden, pageURL: Self.pageURL).map(\.filename) == ["shown-1.0.tar.gz"])
        // Unclosed raw-text elements: their content is read as ordinary markup, once.
        let unclosed = String(repeating: "<script><title>", count: 20_000) + #"<a href="x-1.0.tar.gz">x</a>"#
        let clock = ContinuousClock()
        var files: [SimpleFile] = []
        let elapsed = try clock.measure {
            files = try SimpleIndexParser.files(html: unclosed, pageURL: Self.pageURL)
        }
        #expect(files.map(\.filename) == ["x-1.0.tar.gz"])
        #expect(elapsed < .seconds(2))
    }

    @Test func entitiesThatAreNotEntitiesStayAsWritten() throws {
        let html = #"<a href="x-1.0.tar.gz" data-yanked="a &unknown; b &#0; c &#xD800; d & e &#x110000; &amp">x</a>"#
        let file = try #require(try SimpleIndexParser.files(html: html, pageURL: Self.pageURL).first)
        #expect(file.yanked == "a &unknown; b \u{FFFD} c \u{FFFD} d & e \u{FFFD} &amp")
    }

    @Test func unsafeFilenamesAreReportedAsSuch() throws {
        let html = #"<a href="..%2Fx.whl">a</a><a href="a%2Fb.whl">b</a><a href="%2E%2E/fine-1.0.whl">c</a>"#
        let files = try SimpleIndexParser.files(html: html, pageURL: Self.pageURL)
        #expect(files.map(\.filename) == ["../x.whl", "a/b.whl", "fine-1.0.whl"])
        #expect(files.map { SimpleIndexParser.isSafeFilename($0.filename) } == [false, false, true])
        let json = #"{"files":[{"filename":"../x.whl","url":"x.whl","hashes":{}}]}"#
        let fromJSON = try SimpleIndexParser.files(json: Array(json.utf8), pageURL: Self.pageURL)
        #expect(fromJSON.map { SimpleIndexParser.isSafeFilename($0.filename) } == [false])
    }

    @Test func safeFilenameTable() {
        let table: [(String, Bool)] = [
            ("pkg-1.0.tar.gz", true), ("friendly_bard-1.0-py3-none-any.whl", true), ("ünï-1.0.zip", true),
            ("", false), (".hidden", false), (".", false), ("..", false), ("../x.whl", false), ("a/b.whl", false),
            ("a\\b.whl", false), ("a\u{0}b.whl", false), ("a\nb.whl", false), ("a\u{7f}.whl", false),
            (String(repeating: "a", count: 255), true), (String(repeating: "a", count: 256), false),
            (String(repeating: "é", count: 128), false),
        ]
        for (name, safe) in table {
            #expect(SimpleIndexParser.isSafeFilename(name) == safe, "\(name.debugDescription)")
        }
    }

    @Test func fileHostRules() {
        let pypi = "https://pypi.org/simple"
        let table: [(file: String, source: String, allowed: Bool)] = [
            ("https://files.pythonhosted.org/packages/x.whl", pypi, true),
            ("http://mirror.example/x.whl", pypi, true),
            ("http://10.0.0.5/x.whl", pypi, true),  // private networks are allowed
            ("http://127.example.com/x.whl", pypi, true),  // a DNS name
            ("https://fe80.example/x.whl", pypi, true),
            ("http://127.0.0.1/x.whl", pypi, false),
            ("http://127.255.1.2:8080/x.whl", pypi, false),
            ("http://localhost:8080/x.whl", pypi, false),
            ("http://LOCALHOST./x.whl", pypi, false),
            ("http://api.localhost/x.whl", pypi, false),
            ("http://[::1]/x.whl", pypi, false),
            ("http://[0:0:0:0:0:0:0:1]/x.whl", pypi, false),
            ("http://[::ffff:127.0.0.1]/x.whl", pypi, false),
            ("http://169.254.169.254/latest/meta-data", pypi, false),
            ("http://[fe80::1]/x.whl", pypi, false),
            ("http://[febf::1]/x.whl", pypi, false),
            ("http://[fec0::1]/x.whl", pypi, true),
            ("http://0.0.0.0/x.whl", pypi, false),
            ("http://127.1/x.whl", pypi, false),
            ("http://0x7f000001/x.whl", pypi, false),
            ("http://2130706433/x.whl", pypi, false),
            ("http://0177.0.0.1/x.whl", pypi, false),
            ("ftp://files.example/x.whl", pypi, false),
            ("file:///etc/passwd", pypi, false),
            ("javascript:alert(1)", pypi, false),
            ("not a url", pypi, false),
            // a local index may point at local files
            ("http://127.0.0.1:9000/x.whl", "http://127.0.0.1:8080/simple", true),
            ("http://localhost/x.whl", "http://[::1]:8080/simple", true),
            ("http://169.254.1.1/x.whl", "http://localhost:8080/simple", true),
            ("https://files.example/x.whl", "http://localhost:8080/simple", true),
        ]
        for row in table {
            #expect(SimpleIndexParser.fileHostAllowed(fileURL: row.file, sourceURL: row.source) == row.allowed, "\(row.file) from \(row.source)")
        }
    }
}

// MARK: - Writing what Depot serves

@Suite struct SimplePageTests {
    static let pageURL = "https://depot.example/api/repo/main/simple/friendly-bard/"
    static let sha = String(repeating: "ab", count: 32)
    static let metadataSHA = String(repeating: "cd", count: 32)

    static let served: [ServedFile] = [
        ServedFile(
            filename: "friendly_bard-1.0-py3-none-any.whl",
            url: "https://depot.example/api/repo/main/simple/files/\(sha)/friendly_bard-1.0-py3-none-any.whl",
            sha256: sha, requiresPython: ">=3.8,<4", coreMetadataSHA256: metadataSHA, size: 1234,
            uploadTime: "2024-01-02T03:04:05.000000Z"
        ),
        ServedFile(
            filename: "weird&name-1.0.tar.gz", url: "../files/\(sha)/weird&name-1.0.tar.gz", sha256: sha, yanked: "",
            size: 0
        ),
        ServedFile(
            filename: "x-0.1.zip", url: "https://depot.example/f/x-0.1.zip",
            yanked: "broken \"quoted\" <b>reason</b> & 'more'"
        ),
    ]

    /// What the parser should read back from a served file.
    static func expected(_ file: ServedFile, withJSONFields: Bool) -> SimpleFile {
        let url = URL(string: file.url, relativeTo: URL(string: pageURL))!.absoluteURL.absoluteString
        return SimpleFile(
            filename: file.filename, url: url, hashes: file.sha256.map { ["sha256": $0] } ?? [:],
            requiresPython: file.requiresPython, yanked: file.yanked,
            coreMetadata: file.coreMetadataSHA256.map { ["sha256": $0] },
            size: withJSONFields ? file.size : nil, uploadTime: withJSONFields ? file.uploadTime : nil
        )
    }

    @Test func projectHTMLRoundTrips() throws {
        let html = SimplePage.projectHTML(name: "Friendly <Bard>", files: Self.served)
        let parsed = try SimpleIndexParser.files(html: html, pageURL: Self.pageURL)
        #expect(parsed == Self.served.map { Self.expected($0, withJSONFields: false) })
        #expect(html.contains("<title>Links for Friendly &lt;Bard&gt;</title>"))
        #expect(html.contains(#"data-requires-python="&gt;=3.8,&lt;4""#))
        #expect(html.contains("data-core-metadata=\"sha256=\(Self.metadataSHA)\" data-dist-info-metadata=\"sha256=\(Self.metadataSHA)\""))
        #expect(html.contains(#"href="../files/\#(Self.sha)/weird&amp;name-1.0.tar.gz#sha256=\#(Self.sha)" data-yanked="">weird&amp;name-1.0.tar.gz</a>"#))
        #expect(html.contains(#"data-yanked="broken &quot;quoted&quot; &lt;b&gt;reason&lt;/b&gt; &amp; &#39;more&#39;""#))
        #expect(!html.contains("<b>"))
    }

    @Test func projectJSONRoundTripsAndIsPEP691() throws {
        let bytes = SimplePage.projectJSON(name: "Friendly_Bard", versions: ["0.1", "1.0"], files: Self.served)
        let parsed = try SimpleIndexParser.files(json: bytes, pageURL: Self.pageURL)
        #expect(parsed == Self.served.map { Self.expected($0, withJSONFields: true) })

        let json = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect((json["meta"] as? [String: Any])?["api-version"] as? String == "1.1")
        #expect(json["name"] as? String == "friendly-bard")
        #expect(json["versions"] as? [String] == ["0.1", "1.0"])
        let files = try #require(json["files"] as? [[String: Any]])
        #expect(files.count == 3)
        #expect(files[0]["yanked"] as? Bool == false)
        #expect(files[1]["yanked"] as? Bool == true)
        #expect(files[2]["yanked"] as? String == "broken \"quoted\" <b>reason</b> & 'more'")
        #expect((files[0]["core-metadata"] as? [String: String]) == ["sha256": Self.metadataSHA])
        #expect(files[0]["dist-info-metadata"] == nil)
        #expect(files[1]["core-metadata"] as? Bool == false)
        #expect((files[2]["hashes"] as? [String: String]) == [:])
        #expect((files[0]["size"] as? NSNumber)?.int64Value == 1234)
        #expect(files[2]["size"] == nil)
        #expect(files[0]["upload-time"] as? String == "2024-01-02T03:04:05.000000Z")
        #expect(files[1]["requires-python"] == nil)
    }

    @Test func controlCharactersSurviveJSON() throws {
        let file = ServedFile(filename: "a-1.0.zip", url: "https://d.example/a-1.0.zip", yanked: "line\nbreak\ttab\u{1}\\ \"q\" é")
        let bytes = SimplePage.projectJSON(name: "a", versions: ["1.0"], files: [file])
        let parsed = try SimpleIndexParser.files(json: bytes, pageURL: Self.pageURL)
        #expect(parsed.first?.yanked == file.yanked)
    }

    @Test func projectListsRoundTrip() throws {
        let projects = ["Friendly-Bard", "a&b", "numpy", "zope.interface"]
        let html = SimplePage.projectListHTML(projects: projects)
        #expect(try SimpleIndexParser.projectList(html: html) == projects)
        #expect(html.contains(#"<a href="friendly-bard/">Friendly-Bard</a>"#))
        #expect(html.contains(#"<a href="a%26b/">a&amp;b</a>"#))
        #expect(html.contains(#"<a href="zope-interface/">zope.interface</a>"#))

        let json = SimplePage.projectListJSON(projects: projects)
        #expect(String(decoding: json, as: UTF8.self).hasPrefix(#"{"meta":{"api-version":"1.1"},"projects":[{"name":"Friendly-Bard"}"#))
        #expect(try SimpleIndexParser.projectList(json: json) == projects)
        #expect(try SimpleIndexParser.projectList(json: SimplePage.projectListJSON(projects: [])) == [])
        #expect(try SimpleIndexParser.projectList(html: SimplePage.projectListHTML(projects: [])) == [])
    }
}
