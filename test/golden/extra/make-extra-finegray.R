# Reference cases for Fine–Gray fits whose coefficients diverge (issue 13: "monotone likelihood: null +
# 'diverges' instead of R's huge numbers"), and for fits close to that which do not diverge and must
# match cmprsk::crr to 1e-6. Writes the fg-*.csv files and finegray-divergence-cases.json next to this
# script; test/unit/stats/awkwardData.test.ts runs every case through the CLI (class 8).
#
# Separation is checked here exactly, not only by design: the pseudo-likelihood of crr is monotone iff
# some direction d ≠ 0 has (xᵢ − xⱼ)·d ≥ 0 for every event of interest i and every j of its risk set
# (those still under observation at tᵢ, and those with a competing event before tᵢ, whose weight
# Ĝ(tᵢ−)/Ĝ(sⱼ−) is positive), strictly for some pair. `separated` records that linear programme's
# answer (boot::simplex): max Σ(xᵢ − xⱼ)·d over such d in [−1, 1]ᵖ is > 0.
#
# Diverging cases: crr stops after 10 iterations (or "converges" on a flat score) at numbers that move
# with rounding (e.g. 12.95 for a binary covariate, 30.66 vs 30663 for the same column in other units);
# `r` records them. The CLI gives those terms as null with "diverges": "+inf"/"-inf", monotoneLikelihood
# true and the note; the other terms must still be crr's numbers. Close cases: crr converges; the CLI
# must give its numbers and monotoneLikelihood false.
#
# Also (class 5, units): covariates in the 10⁴s, where crr's convergence test sits at rounding.
#
# Run: Rscript test/golden/extra/make-extra-finegray.R   (R 4.2, cmprsk 2.2-11, boot)
suppressMessages({ library(cmprsk); library(boot) })

script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
dir <- dirname(normalizePath(script))

to_json <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    if (!is.null(names(x))) {
      parts <- mapply(function(k, v) paste0('"', k, '":', to_json(v)), names(x), x)
      return(paste0("{", paste(parts, collapse = ","), "}"))
    }
    return(paste0("[", paste(vapply(x, to_json, ""), collapse = ","), "]"))
  }
  if (length(x) != 1) stop("vectors must be wrapped with as.list()")
  if (is.character(x)) return(paste0('"', gsub('"', '\\\\"', x), '"'))
  if (is.na(x) || !is.finite(x)) return("null")
  if (is.logical(x)) return(if (x) "true" else "false")
  sprintf("%.17g", x)
}

# The design matrix as the CLI codes it: factors against their first level in code-point order, terms "f=level".
design <- function(d, covariates, factors) {
  cols <- list()
  for (v in covariates) {
    if (v %in% factors) {
      lv <- sort(unique(as.character(d[[v]])))
      for (l in lv[-1]) cols[[paste0(v, "=", l)]] <- as.numeric(as.character(d[[v]]) == l)
    } else cols[[v]] <- d[[v]]
  }
  as.matrix(as.data.frame(cols, check.names = FALSE))
}

separated <- function(time, cause, X) {
  p <- ncol(X)
  rows <- list()
  for (i in which(cause == 1)) {
    js <- which((time >= time[i] | (cause == 2 & time < time[i])) & seq_along(time) != i)
    if (length(js)) rows[[length(rows) + 1]] <- sweep(-X[js, , drop = FALSE], 2, X[i, ], "+")
  }
  D <- unique(do.call(rbind, rows))
  D <- D[rowSums(abs(D)) > 0, , drop = FALSE]
  # Scale columns so the bound [−1, 1] means the same in every unit.
  D <- sweep(D, 2, pmax(apply(abs(D), 2, max), 1e-300), "/")
  # All constraints as A x ≤ b with b ≥ 0 (x = (d⁺, d⁻) ≥ 0): the origin is feasible, no phase 1.
  s <- simplex(a = -c(colSums(D), -colSums(D)), A1 = rbind(diag(2 * p), -cbind(D, -D)), b1 = c(rep(1, 2 * p), rep(0, nrow(D))))
  s$solved == 1 && -s$value > 1e-8
}

cases <- list()
add_fg <- function(id, file, d, covariates, factors = character(), diverging = character(), direction = character(), note = NULL, lp = TRUE,
                   allow_unconverged = FALSE) {
  X <- design(d, covariates, factors)
  fit <- withCallingHandlers(crr(d$time, d$cause, X), warning = function(w) invokeRestart("muffleWarning"))
  se <- sqrt(diag(fit$var))
  # The LP's tableau is (constraints)² doubles: only for the small designed data sets.
  sep <- if (lp) separated(d$time, d$cause, X) else NA
  if (!is.na(sep) && sep != (length(diverging) > 0)) stop(id, ": separated = ", sep, " but diverging = ", paste(diverging, collapse = ","))
  if (!length(diverging) && !fit$converged && !allow_unconverged) stop(id, ": crr did not converge on a close case")
  terms <- lapply(colnames(X), function(term) {
    j <- match(term, colnames(X))
    if (term %in% diverging) return(list(term = term, coef = NULL, hr = NULL, se = NULL, diverges = direction[match(term, diverging)]))
    z <- fit$coef[j] / se[j]
    list(term = term, coef = unname(fit$coef[j]), hr = unname(exp(fit$coef[j])), se = unname(se[j]), z = unname(z),
         p = unname(2 * pnorm(-abs(z))), lower = unname(exp(fit$coef[j] - qnorm(0.975) * se[j])), upper = unname(exp(fit$coef[j] + qnorm(0.975) * se[j])))
  })
  args <- list(data = file, time = "time", status = "cause", covariates = paste(covariates, collapse = ","))
  if (length(factors)) args$factors <- paste(factors, collapse = ",")
  case <- list(id = id, class = 8, command = "finegray", args = args,
               expected = list(n = fit$n, events = sum(d$cause == 1), terms = terms, monotoneLikelihood = length(diverging) > 0),
               separated = sep,
               r = paste0("crr: coef ", paste(signif(fit$coef, 8), collapse = " "), ", se ", paste(signif(se, 6), collapse = " "),
                          ", converged ", fit$converged))
  if (length(diverging)) case$warning <- "diverges to infinity"
  if (!is.null(note)) case$note <- note
  cases[[length(cases) + 1]] <<- case
}
write_data <- function(name, d) write.csv(d, file.path(dir, name), row.names = FALSE)

# 1. A binary covariate with every event of interest in one group (+inf), with a continuous covariate
#    alongside; the same with every event of interest in the other group (−inf), and close to it: one
#    event of interest in the other group, or all the competing events in one group (not separation).
set.seed(1310)
n <- 90
d1 <- data.frame(time = round(rexp(n, 0.1), 1) + 0.1, cause = sample(0:2, n, TRUE, prob = c(0.3, 0.4, 0.3)),
                 b = rbinom(n, 1, 0.5), x = round(rnorm(n), 3))
dA <- d1; dA$cause[dA$b == 0 & dA$cause == 1] <- 2
write_data("fg-div-binary.csv", dA)
add_fg("finegray-diverges-binary", "fg-div-binary.csv", dA, "b", diverging = "b", direction = "+inf")
add_fg("finegray-diverges-binary-with-x", "fg-div-binary.csv", dA, c("x", "b"), diverging = "b", direction = "+inf")
dB <- d1; dB$cause[dB$b == 1 & dB$cause == 1] <- 2
write_data("fg-div-binary-other.csv", dB)
add_fg("finegray-diverges-binary-negative-with-x", "fg-div-binary-other.csv", dB, c("b", "x"), diverging = "b", direction = "-inf")
dN <- dA; dN$cause[which(dN$b == 0 & dN$cause == 2)[1]] <- 1
write_data("fg-close-binary.csv", dN)
add_fg("finegray-close-binary-one-event", "fg-close-binary.csv", dN, c("b", "x"), note = "one event of interest in b = 0: finite")
dC <- d1; dC$cause[dC$b == 0 & dC$cause == 2] <- 1
write_data("fg-close-competing.csv", dC)
add_fg("finegray-close-competing-one-group", "fg-close-competing.csv", dC, c("b", "x"), note = "all competing events in b = 1: no separation of the events of interest")

# 2. A continuous covariate ordering the events of interest perfectly (each has the largest value of
#    its risk set), on three scales (the same column ×1, ×1e-3, ×1e4), and with a second covariate whose
#    sum with the first separates while neither alone does.
set.seed(1311)
n <- 80
d2 <- data.frame(time = sample(1:400, n) / 4, cause = sample(0:2, n, TRUE, prob = c(0.3, 0.4, 0.3)), x = round(runif(n, -1, 1), 3))
ev <- which(d2$cause == 1); o <- ev[order(d2$time[ev])]
d2$x[o] <- 1 + rev(seq_along(o)) * 0.05
d2$xm <- d2$x * 1e-3
d2$xk <- d2$x * 1e4
s <- d2$x; u <- round(rnorm(n), 3)
d2$u <- u; d2$v <- round(s - u, 3)             # u + v = x up to rounding: separation along (1, 1)
write_data("fg-div-order.csv", d2)
add_fg("finegray-diverges-order", "fg-div-order.csv", d2, "x", diverging = "x", direction = "+inf")
add_fg("finegray-diverges-order-1e-3", "fg-div-order.csv", d2, "xm", diverging = "xm", direction = "+inf")
add_fg("finegray-diverges-order-1e4", "fg-div-order.csv", d2, "xk", diverging = "xk", direction = "+inf")
add_fg("finegray-diverges-sum-of-two", "fg-div-order.csv", d2, c("u", "v"), diverging = c("u", "v"), direction = c("+inf", "+inf"),
       note = "separation along u + v; neither covariate alone separates")
# Close: the order broken by a clear margin at two events (crr converges).
d2n <- d2
d2n$x[o[c(2, 6)]] <- d2n$x[o[c(2, 6)]] - 1.6
d2n$xm <- d2n$x * 1e-3; d2n$xk <- d2n$x * 1e4
write_data("fg-close-order.csv", d2n)
add_fg("finegray-close-order", "fg-close-order.csv", d2n, "x", note = "two events below many of their risk set: finite")
add_fg("finegray-close-order-1e-3", "fg-close-order.csv", d2n, "xm")
add_fg("finegray-close-order-1e4", "fg-close-order.csv", d2n, "xk")

# 3. A factor with one level separated (no events of interest at level 'mid': its term → −inf, the
#    other level's term finite), alone and with a binary and a continuous covariate alongside; close:
#    one event of interest at that level.
set.seed(1312)
n <- 120
d3 <- data.frame(time = round(rexp(n, 0.08), 1) + 0.1, cause = sample(0:2, n, TRUE, prob = c(0.35, 0.4, 0.25)),
                 f = sample(c("hi", "lo", "mid"), n, TRUE, prob = c(4, 4, 2)), b = rbinom(n, 1, 0.4), age = round(rnorm(n, 60, 10)))
d3$cause[d3$f == "mid" & d3$cause == 1] <- 2
write_data("fg-div-factor.csv", d3)
add_fg("finegray-diverges-factor-level", "fg-div-factor.csv", d3, "f", "f", diverging = "f=mid", direction = "-inf")
add_fg("finegray-diverges-factor-level-with-others", "fg-div-factor.csv", d3, c("age", "f", "b"), "f", diverging = "f=mid", direction = "-inf")
d3n <- d3; d3n$cause[which(d3n$f == "mid" & d3n$cause == 2)[1:2]] <- 1
write_data("fg-close-factor.csv", d3n)
add_fg("finegray-close-factor-level", "fg-close-factor.csv", d3n, c("age", "f", "b"), "f", note = "two events of interest at level mid: finite")

# 4. Every covariate separated at once (the pseudo-likelihood tends to its supremum 0): a binary
#    covariate equal to 1 exactly for the events of interest, with a continuous one alongside.
set.seed(1313)
n <- 60
d4 <- data.frame(time = sample(1:600, n) / 10, cause = sample(0:2, n, TRUE, prob = c(0.3, 0.4, 0.3)), x = round(rnorm(n, 0, 1e-3), 7))
d4$b <- as.integer(d4$cause == 1)
write_data("fg-div-complete.csv", d4)
add_fg("finegray-diverges-complete", "fg-div-complete.csv", d4, c("x", "b"), diverging = "b", direction = "+inf")

# 5. Not divergence but units: with a covariate in the 10⁴s, crr's convergence test
#    (max|U|·max(|β|, 1) < 1e-6·|ℓ|, in the covariate's units) asks for a score below rounding, and its
#    line search then finds no decrease: crr says "converged" or not as its rounding falls. The CLI
#    gives crr's numbers and converged: true when the Newton decrement is below rounding (the maximum).
#    Seeds 1406 and 1427: crr converged, the CLI said it had not (before that rule); seed 1441: crr
#    says not converged at the same numbers — `converged` is not compared there (noted).
for (k in c(6, 27, 41)) {
  set.seed(1400 + k)
  n <- sample(c(120, 200, 300), 1)
  d5 <- data.frame(time = round(rexp(n, 0.1), sample(c(0, 1, 2), 1)), cause = sample(0:2, n, TRUE, prob = c(0.4, 0.35, 0.25)),
                   x = signif(rnorm(n) * 1e4, 8), b = rbinom(n, 1, 0.4))
  file <- sprintf("fg-units-1e4-seed%d.csv", 1400 + k)
  write_data(file, d5)
  fit <- crr(d5$time, d5$cause, as.matrix(d5[, c("x", "b")]))
  add_fg(sprintf("finegray-units-1e4-seed%d", 1400 + k), file, d5, c("x", "b"), lp = FALSE, allow_unconverged = TRUE,
         note = if (fit$converged) NULL else "crr: not converged (its line search stalls on rounding) at these numbers; converged not compared")
  if (fit$converged) cases[[length(cases)]]$expected$converged <- TRUE
  cases[[length(cases)]]$class <- 5
}

writeLines(paste0("[\n", paste(vapply(cases, to_json, ""), collapse = ",\n"), "\n]"), file.path(dir, "finegray-divergence-cases.json"))
cat("wrote", length(cases), "cases\n")
