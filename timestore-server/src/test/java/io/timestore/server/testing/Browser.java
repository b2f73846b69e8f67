package io.timestore.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.devtools.DevTools;
import org.openqa.selenium.devtools.v156.log.Log;
import org.openqa.selenium.devtools.v156.network.Network;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven by Selenium, for the console's browser tests: one browser per
 * test class. Through the DevTools protocol it keeps the headers of every response under
 * {@code /console} (to check the Content-Security-Policy on each) and every browser log entry (to
 * find CSP violations and script errors). Screenshots go to {@code target/console-screenshots}.
 * Without {@code chromium} and {@code chromium-driver} it fails, saying how to install them.
 */
public final class Browser implements AutoCloseable {
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    public static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final ChromeDriver driver;
    private final DevTools devTools;
    private final Map<String, Map<String, Object>> consoleResponses = new ConcurrentHashMap<>();
    private final List<String> log = new CopyOnWriteArrayList<>();

    private Browser(ChromeDriver driver) {
        this.driver = driver;
        this.devTools = driver.getDevTools();
        devTools.createSession();
        devTools.send(Network.enable(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
        devTools.send(Network.setCacheDisabled(true));
        devTools.addListener(Network.responseReceived(), received -> {
            var response = received.getResponse();
            if (response.getUrl().contains("/console")) {
                consoleResponses.put(response.getUrl() + " " + received.getRequestId(), Map.copyOf(response.getHeaders()));
            }
        });
        devTools.send(Log.enable());
        devTools.addListener(Log.entryAdded(), entry -> log.add(entry.getLevel() + " " + entry.getSource() + " " + entry.getText()));
    }

    /** A headless Chromium at 1280x800; fails with install instructions when it is missing. */
    public static Browser start() {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new AssertionError("the console's browser tests need Debian's chromium and chromium-driver (" + CHROMIUM + ", "
                    + CHROMEDRIVER + "): install them with `apt-get update && apt-get install -y chromium chromium-driver` "
                    + "(.ci/run does this on CI)");
        }
        var options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,800", "--lang=en-US");
        var service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        return new Browser(new ChromeDriver(service, options));
    }

    public ChromeDriver driver() {
        return driver;
    }

    public void open(String url) {
        driver.get(url);
    }

    /** Waits for the element to be visible. */
    public WebElement find(String css) {
        return new WebDriverWait(driver, PATIENCE).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }

    /** Waits until the element's text contains {@code text}, then returns it. */
    public WebElement findWithText(String css, String text) {
        new WebDriverWait(driver, PATIENCE).until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(css), text));
        return driver.findElement(By.cssSelector(css));
    }

    public void type(String css, String text) {
        var input = find(css);
        input.clear();
        input.sendKeys(text);
    }

    public void click(String css) {
        new WebDriverWait(driver, PATIENCE).until(ExpectedConditions.elementToBeClickable(By.cssSelector(css))).click();
    }

    public Object script(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** Waits until {@code script} returns true. */
    public void until(String what, String script, Object... args) {
        new WebDriverWait(driver, PATIENCE).withMessage(what).until(d -> Boolean.TRUE.equals(script(script, args)));
    }

    /** Writes a PNG of the window under {@link #SCREENSHOTS}. */
    public Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            var file = SCREENSHOTS.resolve(name + ".png");
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The headers of every response under /console the browser received, by URL and request. */
    public Map<String, Map<String, Object>> consoleResponses() {
        return Map.copyOf(consoleResponses);
    }

    /** Every browser log entry so far (level, source, text). */
    public List<String> log() {
        return List.copyOf(log);
    }

    @Override
    public void close() {
        try {
            devTools.close();
        } finally {
            driver.quit();
        }
    }
}
